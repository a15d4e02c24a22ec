namespace Converge.Client.Documents;

/// <summary>The server rejected a local change; it has been rolled back.</summary>
public sealed class ChangeRejectedEventArgs : EventArgs
{
    internal ChangeRejectedEventArgs(ChangeRejectedException exception) => Exception = exception;

    /// <summary>The rejection: its <see cref="Model.ConvergeException.ErrorCode"/>, message and client sequence.</summary>
    public ChangeRejectedException Exception { get; }
}
