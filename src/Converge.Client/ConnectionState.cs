namespace Converge.Client;

/// <summary>Where a <see cref="ConvergeClient"/>'s connection stands.</summary>
public enum ConnectionState
{
    /// <summary>Not connected. Local changes queue and are sent on the next connect.</summary>
    Disconnected,

    /// <summary>Opening the transport and exchanging hello/welcome.</summary>
    Connecting,

    /// <summary>The session is open; changes flow both ways.</summary>
    Connected,
}
