using Converge.Protocol;

namespace Converge.Client;

/// <summary>A change of <see cref="ConvergeClient.State"/>.</summary>
public sealed class ConnectionStateChangedEventArgs : EventArgs
{
    internal ConnectionStateChangedEventArgs(ConnectionState state, ConvergeCloseCode? closeCode, string? reason)
    {
        State = state;
        CloseCode = closeCode;
        Reason = reason;
    }

    /// <summary>The new state.</summary>
    public ConnectionState State { get; }

    /// <summary>When disconnected by a close frame, its code; see <see cref="ConvergeCloseCodeExtensions.IsResumable"/>.</summary>
    public ConvergeCloseCode? CloseCode { get; }

    /// <summary>Why, for people, when the state is <see cref="ConnectionState.Disconnected"/>.</summary>
    public string? Reason { get; }
}
