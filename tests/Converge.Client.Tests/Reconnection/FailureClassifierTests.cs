using System.Net.Http.Headers;
using Converge.Client.Reconnection;
using Converge.Protocol;

namespace Converge.Client.Tests.Reconnection;

public sealed class FailureClassifierTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(401, FailureKind.Unauthorized)]
    [InlineData(403, FailureKind.Forbidden)]
    [InlineData(429, FailureKind.RateLimited)]
    [InlineData(503, FailureKind.RateLimited)]
    [InlineData(500, FailureKind.ServerError)]
    [InlineData(502, FailureKind.ServerError)]
    [InlineData(404, FailureKind.Fatal)]
    [InlineData(426, FailureKind.Fatal)]
    public void Http_statuses__map_to_their_failure_kind(int status, FailureKind kind) =>
        Assert.Equal(kind, FailureClassifier.FromHttpStatus(status, null, Now).Kind);

    [Fact]
    public void Retry_after_in_seconds_or_as_an_http_date__becomes_the_wait()
    {
        Assert.Equal(TimeSpan.FromSeconds(120), FailureClassifier.RetryAfter("120", Now));
        Assert.Equal(TimeSpan.FromSeconds(90), FailureClassifier.RetryAfter(Now.AddSeconds(90).ToString("r"), Now));
        Assert.Equal(TimeSpan.Zero, FailureClassifier.RetryAfter(Now.AddSeconds(-90).ToString("r"), Now));
        Assert.Null(FailureClassifier.RetryAfter("soon", Now));
        Assert.Null(FailureClassifier.RetryAfter("-5", Now));

        using var response = new HttpResponseMessage(System.Net.HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(3));
        Assert.Equal(TimeSpan.FromSeconds(3), FailureClassifier.FromHttpStatus(429, response.Headers, Now).RetryAfter);
    }

    [Theory]
    [InlineData(ConvergeCloseCode.Unauthorized, FailureKind.Unauthorized)]
    [InlineData(ConvergeCloseCode.Forbidden, FailureKind.Forbidden)]
    [InlineData(ConvergeCloseCode.Timeout, FailureKind.Timeout)]
    [InlineData(ConvergeCloseCode.GoingAway, FailureKind.ServerError)]
    [InlineData(ConvergeCloseCode.SlowConsumer, FailureKind.ServerError)]
    [InlineData(ConvergeCloseCode.InternalError, FailureKind.ServerError)]
    [InlineData(ConvergeCloseCode.MalformedFrame, FailureKind.Fatal)]
    [InlineData(ConvergeCloseCode.UnsupportedVersion, FailureKind.Fatal)]
    [InlineData(ConvergeCloseCode.Normal, FailureKind.ConnectionLost)]
    public void Close_codes__map_to_their_failure_kind(ConvergeCloseCode code, FailureKind kind) =>
        Assert.Equal(kind, FailureClassifier.FromClose(code, "closed", null).Kind);

    [Fact]
    public void A_close_after_an_error_frame_with_retry_after__waits_that_long() =>
        Assert.Equal(TimeSpan.FromMilliseconds(2500), FailureClassifier.FromClose(ConvergeCloseCode.GoingAway, "busy", 2500).RetryAfter);

    [Fact]
    public void A_host_that_does_not_resolve__is_a_dns_failure()
    {
        var exception = new HttpRequestException(HttpRequestError.NameResolutionError, "No such host is known.");
        Assert.Equal(FailureKind.DnsFailure, FailureClassifier.FromException(exception, Now).Kind);
    }
}
