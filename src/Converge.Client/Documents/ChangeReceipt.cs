namespace Converge.Client.Documents;

/// <summary>A local change, applied optimistically and queued for the server.</summary>
public sealed class ChangeReceipt
{
    internal ChangeReceipt(long clientSequence, Task<long> acknowledged)
    {
        ClientSequence = clientSequence;
        Acknowledged = acknowledged;
    }

    /// <summary>The change's client sequence: with the client id, its idempotency key.</summary>
    public long ClientSequence { get; }

    /// <summary>
    /// Completes with the server sequence once the change is durable on the server; faults with
    /// <see cref="ChangeRejectedException"/> when it was rejected (and rolled back). Offline, it waits.
    /// </summary>
    public Task<long> Acknowledged { get; }
}
