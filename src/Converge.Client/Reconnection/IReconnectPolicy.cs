namespace Converge.Client.Reconnection;

/// <summary>Decides how long to wait before the next connection attempt, or to stop trying.</summary>
public interface IReconnectPolicy
{
    /// <summary>The delay before the next attempt, or <see langword="null"/> to stop (the client becomes Disconnected).</summary>
    /// <param name="context">The attempt number, elapsed time and last failure.</param>
    TimeSpan? NextRetryDelay(ReconnectContext context);
}
