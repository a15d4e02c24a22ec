using System.Threading.RateLimiting;

namespace Converge.Server.Security;

/// <summary>
/// One connection's frame budget: a <see cref="TokenBucketRateLimiter"/> refilled from the injected
/// <see cref="TimeProvider"/> (its own timer would tick in real time, which tests cannot drive).
/// </summary>
internal sealed class FrameRateLimiter : IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);

    private readonly TokenBucketRateLimiter? _bucket;
    private readonly TimeProvider _time;
    private readonly int _tokensPerPeriod;
    private readonly int _burst;
    private readonly Lock _gate = new();
    private long _refilledAt;

    public FrameRateLimiter(int framesPerSecond, int burst, TimeProvider time)
    {
        _time = time;
        if (framesPerSecond <= 0)
        {
            return;
        }

        _tokensPerPeriod = Math.Max(1, framesPerSecond / 10);
        _burst = burst;
        _bucket = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = _tokensPerPeriod,
            ReplenishmentPeriod = Period,
            QueueLimit = 0,
            AutoReplenishment = false,
        });
        _refilledAt = time.GetTimestamp();
    }

    /// <summary>The most frames one request may carry: more could never fit the bucket.</summary>
    public int MaxFramesPerRequest => _bucket is null ? int.MaxValue : _burst;

    /// <summary>Takes <paramref name="frames"/> (at most <see cref="MaxFramesPerRequest"/>) from the budget; when it is short, says how long until it will not be.</summary>
    public bool TryAcquire(int frames, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (_bucket is null)
        {
            return true;
        }

        lock (_gate)
        {
            var periods = (long)(_time.GetElapsedTime(_refilledAt) / Period);
            if (periods > 0)
            {
                // Refilling more than a bucket's worth changes nothing, so the loop is bounded.
                for (var i = 0L; i < Math.Min(periods, (_burst / _tokensPerPeriod) + 1); i++)
                {
                    _bucket.TryReplenish();
                }

                _refilledAt += (long)(periods * Period.TotalSeconds * _time.TimestampFrequency);
            }

            using var lease = _bucket.AttemptAcquire(frames);
            if (lease.IsAcquired)
            {
                return true;
            }

            var missing = frames - (int)(_bucket.GetStatistics()?.CurrentAvailablePermits ?? 0);
            retryAfter = Period * Math.Ceiling(Math.Max(1, missing) / (double)_tokensPerPeriod);
            return false;
        }
    }

    public void Dispose() => _bucket?.Dispose();
}
