namespace Converge.Testing.Faults;

/// <summary>
/// One entry of a pump's queue between its reader and its writer: bytes (in a pooled buffer, owned by the queue
/// until written or discarded) due at a timestamp, the end of the stream, or a rejection to answer instead.
/// </summary>
internal readonly record struct PumpItem(byte[]? Buffer, int Length, long DueTimestamp, HttpRejection? Rejection)
{
    public static PumpItem EndOfStream(long dueTimestamp) => new(null, 0, dueTimestamp, null);

    public bool IsEndOfStream => Buffer is null && Rejection is null;
}
