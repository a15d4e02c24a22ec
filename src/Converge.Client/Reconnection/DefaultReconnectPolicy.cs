namespace Converge.Client.Reconnection;

/// <summary>
/// Exponential backoff with jitter (the article's ReconnectionManager): the delay doubles from
/// <see cref="InitialDelay"/> up to <see cref="MaxDelay"/> (<see cref="DnsMaxDelay"/> for DNS failures), each
/// spread by ±<see cref="Jitter"/> so that clients dropped together do not return together. Retry-After, when the
/// server sent one, is honoured exactly. Forbidden and fatal failures stop at once; attempts may be capped.
/// </summary>
public sealed class DefaultReconnectPolicy : IReconnectPolicy
{
    private readonly Random _random;

    /// <summary>Creates the policy.</summary>
    /// <param name="random">The jitter source; pass a seeded one for reproducible tests. Default: <see cref="Random.Shared"/>.</param>
    public DefaultReconnectPolicy(Random? random = null) => _random = random ?? Random.Shared;

    /// <summary>The first delay. Default 1 s.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The growth factor per attempt. Default 2.</summary>
    public double Multiplier { get; init; } = 2;

    /// <summary>The cap for ordinary failures. Default 30 s.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The cap when the host name does not resolve (usually offline or misconfigured). Default 5 min.</summary>
    public TimeSpan DnsMaxDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The jitter as a fraction of the delay, each way. Default 0.1 (±10%).</summary>
    public double Jitter { get; init; } = 0.1;

    /// <summary>The most attempts before giving up; <see langword="null"/> (default) retries forever.</summary>
    public int? MaxAttempts { get; init; }

    /// <inheritdoc />
    public TimeSpan? NextRetryDelay(ReconnectContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Validate();
        var failure = context.Failure;
        if (!failure.IsRetryable || (MaxAttempts is { } max && context.Attempt > max))
        {
            return null;
        }

        if (failure.Kind == FailureKind.RateLimited && failure.RetryAfter is { } retryAfter)
        {
            return retryAfter;
        }

        var cap = failure.Kind == FailureKind.DnsFailure ? DnsMaxDelay : MaxDelay;
        var exponent = Math.Min(context.Attempt - 1, 62);
        var baseMs = Math.Min(InitialDelay.TotalMilliseconds * Math.Pow(Multiplier, exponent), cap.TotalMilliseconds);
        var spread = baseMs * Jitter;
        var jittered = baseMs + ((_random.NextDouble() * 2) - 1) * spread;
        return TimeSpan.FromMilliseconds(Math.Clamp(jittered, 0, cap.TotalMilliseconds));
    }

    private void Validate()
    {
        if (InitialDelay <= TimeSpan.Zero || MaxDelay < InitialDelay || DnsMaxDelay < InitialDelay || Multiplier < 1
            || Jitter is < 0 or > 1 || MaxAttempts is < 0)
        {
            throw new InvalidOperationException(
                $"{nameof(DefaultReconnectPolicy)} needs InitialDelay > 0, MaxDelay and DnsMaxDelay ≥ InitialDelay, Multiplier ≥ 1, 0 ≤ Jitter ≤ 1 and MaxAttempts ≥ 0.");
        }
    }
}
