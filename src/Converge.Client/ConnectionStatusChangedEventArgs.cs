namespace Converge.Client;

/// <summary>A change of <see cref="ConvergeClient.Status"/>.</summary>
public sealed class ConnectionStatusChangedEventArgs : EventArgs
{
    internal ConnectionStatusChangedEventArgs(ConnectionStatus status) => Status = status;

    /// <summary>The new status.</summary>
    public ConnectionStatus Status { get; }
}
