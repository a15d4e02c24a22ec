using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Converge.Protocol;
using Converge.Protocol.Frames;
using Microsoft.Extensions.Logging;

namespace Converge.Client.Presence;

/// <summary>A client's presence handles, one per document: creation with its checks, routing of server frames, and the connection's events.</summary>
internal sealed class PresenceHandles(IPresenceLink link, PresenceOptions options, TimeProvider time, ILoggerFactory loggers, string connectionId)
{
    private readonly ConcurrentDictionary<string, PresenceHandle> _handles = new(StringComparer.Ordinal);

    /// <summary>Validates a join and registers its handle. The caller announces it when connected.</summary>
    /// <exception cref="ArgumentException">The document id or the metadata is invalid.</exception>
    /// <exception cref="PresenceRejectedException">The metadata is too large.</exception>
    /// <exception cref="InvalidOperationException">This client is already present in the document.</exception>
    public PresenceHandle Add(string documentId, JsonElement metadata)
    {
        if (new PresenceLeaveFrame(documentId).Validate() is { } problem)
        {
            throw new ArgumentException(problem, nameof(documentId));
        }

        metadata = CheckMetadata(documentId, metadata, options);
        var handle = new PresenceHandle(documentId, connectionId, metadata, link, options, time, loggers.CreateLogger<PresenceHandle>(), Forget);
        return _handles.TryAdd(documentId, handle)
            ? handle
            : throw new InvalidOperationException($"This client is already present in '{documentId}'; dispose that handle first.");
    }

    /// <summary>Waits for the server's first snapshot; on refusal or cancellation the handle is disposed.</summary>
    public static async Task<PresenceHandle> WaitJoinedAsync(PresenceHandle handle, CancellationToken cancellationToken)
    {
        try
        {
            await handle.Joined.WaitAsync(cancellationToken).ConfigureAwait(false);
            return handle;
        }
        catch
        {
            await handle.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public void AnnounceAll()
    {
        foreach (var handle in _handles.Values)
        {
            handle.Announce();
        }
    }

    public void GoodbyeAll()
    {
        foreach (var handle in _handles.Values)
        {
            handle.Goodbye();
        }
    }

    public void Dispatch(Frame frame)
    {
        var documentId = frame switch
        {
            PresenceSnapshotFrame f => f.DocumentId,
            PresenceDiffFrame f => f.DocumentId,
            PresenceRejectedFrame f => f.DocumentId,
            _ => null,
        };
        if (documentId is not null && _handles.TryGetValue(documentId, out var handle))
        {
            handle.OnFrame(frame);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var handle in _handles.Values)
        {
            await handle.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The checks every metadata passes before it is sent; returns a copy the caller cannot dispose under us.</summary>
    internal static JsonElement CheckMetadata(string documentId, JsonElement metadata, PresenceOptions options)
    {
        if (new PresenceJoinFrame(documentId, metadata).Validate() is { } problem)
        {
            throw new ArgumentException(problem, nameof(metadata));
        }

        var bytes = Encoding.UTF8.GetByteCount(metadata.GetRawText());
        return bytes > options.MaxMetadataBytes
            ? throw new PresenceRejectedException(ErrorCodes.PresenceTooLarge, $"Metadata is {bytes} bytes; the limit is {options.MaxMetadataBytes}.", documentId)
            : metadata.Clone();
    }

    private void Forget(PresenceHandle handle) => _handles.TryRemove(KeyValuePair.Create(handle.DocumentId, handle));
}
