namespace Converge.Client.Heartbeats;

/// <summary>Application-level heartbeats (the article's "Heartbeat and Connection Health").</summary>
public sealed class HeartbeatOptions
{
    /// <summary>How often to ping. Default 15 s.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long to wait for the answer to a ping. Default 10 s.</summary>
    public TimeSpan PongTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How many pings in a row may go unanswered before the connection is declared dead. Default 2. After a miss
    /// the next ping goes out at once, so a dead connection is detected within
    /// <see cref="Interval"/> + <see cref="MissedPongThreshold"/> × <see cref="PongTimeout"/> (35 s by default).
    /// </summary>
    public int MissedPongThreshold { get; set; } = 2;

    internal void Validate()
    {
        if (Interval <= TimeSpan.Zero || PongTimeout <= TimeSpan.Zero || MissedPongThreshold < 1)
        {
            throw new ArgumentException("Heartbeat Interval and PongTimeout must be positive and MissedPongThreshold at least 1.");
        }
    }
}
