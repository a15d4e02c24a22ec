namespace Converge.Client;

/// <summary>Where a <see cref="ConvergeClient"/>'s connection stands.</summary>
public enum ConnectionState
{
    /// <summary>Not connected and not trying (never started, stopped, paused, or gave up). Local changes queue.</summary>
    Disconnected,

    /// <summary>The first connection attempt is in progress.</summary>
    Connecting,

    /// <summary>The session is open; changes flow both ways.</summary>
    Connected,

    /// <summary>The connection was lost; waiting <see cref="ConnectionStatus.RetryDelay"/> before attempt <see cref="ConnectionStatus.Attempt"/>.</summary>
    Reconnecting,
}
