using Converge.Client.Reconnection;
using CsCheck;

namespace Converge.Client.Tests.Reconnection;

public sealed class DefaultReconnectPolicyTests
{
    private static readonly ConnectionFailure Lost = new(FailureKind.ConnectionLost, "reset");

    private static TimeSpan? Delay(DefaultReconnectPolicy policy, int attempt, ConnectionFailure? failure = null) =>
        policy.NextRetryDelay(new ReconnectContext(attempt, TimeSpan.Zero, failure ?? Lost));

    [Fact]
    public void Delays_double_from_the_initial_delay_up_to_the_cap_when_there_is_no_jitter()
    {
        var policy = new DefaultReconnectPolicy { Jitter = 0 };
        var delays = Enumerable.Range(1, 8).Select(a => Delay(policy, a)!.Value.TotalSeconds);
        Assert.Equal([1, 2, 4, 8, 16, 30, 30, 30], delays);
    }

    [Fact]
    public void Jitter_keeps_every_delay_within_ten_percent_of_its_base_and_never_above_the_cap()
    {
        Gen.Select(Gen.Int[1, 40], Gen.Int).Sample((attempt, seed) =>
        {
            var policy = new DefaultReconnectPolicy(new Random(seed));
            var baseSeconds = Math.Min(Math.Pow(2, attempt - 1), 30);
            var delay = Delay(policy, attempt)!.Value.TotalSeconds;
            return delay >= baseSeconds * 0.9 - 1e-9 && delay <= Math.Min(baseSeconds * 1.1, 30) + 1e-9;
        }, iter: 2000);
    }

    [Fact]
    public void Jitter_spreads_clients_that_fail_together()
    {
        var delays = Enumerable.Range(0, 50).Select(seed => Delay(new DefaultReconnectPolicy(new Random(seed)), 3)!.Value).Distinct().Count();
        Assert.True(delays > 40, $"only {delays} distinct delays from 50 clients");
    }

    [Fact]
    public void A_dns_failure_backs_off_to_the_longer_cap()
    {
        var policy = new DefaultReconnectPolicy { Jitter = 0 };
        var dns = new ConnectionFailure(FailureKind.DnsFailure, "no such host");
        Assert.Equal(TimeSpan.FromSeconds(256), Delay(policy, 9, dns));
        Assert.Equal(TimeSpan.FromMinutes(5), Delay(policy, 20, dns));
        Assert.Equal(TimeSpan.FromSeconds(30), Delay(policy, 20));
    }

    [Fact]
    public void Retry_after_from_the_server__is_honoured_exactly()
    {
        var limited = new ConnectionFailure(FailureKind.RateLimited, "429", 429, RetryAfter: TimeSpan.FromSeconds(7));
        Assert.Equal(TimeSpan.FromSeconds(7), Delay(new DefaultReconnectPolicy(), 1, limited));
        Assert.Equal(TimeSpan.FromSeconds(7), Delay(new DefaultReconnectPolicy(), 12, limited));
    }

    [Theory]
    [InlineData(FailureKind.Forbidden)]
    [InlineData(FailureKind.Fatal)]
    public void Failures_that_a_retry_cannot_fix__stop_at_once(FailureKind kind) =>
        Assert.Null(Delay(new DefaultReconnectPolicy(), 1, new ConnectionFailure(kind, "no")));

    [Fact]
    public void The_attempt_limit__stops_after_the_last_allowed_attempt()
    {
        var policy = new DefaultReconnectPolicy { MaxAttempts = 3 };
        Assert.NotNull(Delay(policy, 3));
        Assert.Null(Delay(policy, 4));
    }

    [Fact]
    public void Invalid_settings__are_refused_with_a_clear_error() =>
        Assert.Throws<InvalidOperationException>(() => Delay(new DefaultReconnectPolicy { InitialDelay = TimeSpan.Zero }, 1));
}
