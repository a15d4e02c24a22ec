namespace Converge.Model.Ot;

/// <summary>The classic OT client states (ot.js): what is in flight to the server and what waits behind it.</summary>
public enum OtClientState
{
    /// <summary>Nothing in flight: a local edit is sent at once.</summary>
    Synchronized,

    /// <summary>One delta sent, not yet acknowledged.</summary>
    AwaitingAck,

    /// <summary>One delta in flight and local edits since then composed into a buffer, sent after the acknowledgement.</summary>
    AwaitingWithBuffer,
}
