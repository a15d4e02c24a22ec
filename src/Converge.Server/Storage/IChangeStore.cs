using Converge.Protocol.Frames;

namespace Converge.Server.Storage;

/// <summary>
/// The durable, per-document change log. An append returns only once the changes are durable: the authority
/// acknowledges nothing that is not.
/// </summary>
internal interface IChangeStore : IAsyncDisposable
{
    /// <summary>Creates the schema if needed. Called once at startup.</summary>
    ValueTask InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Changes with sequence greater than <paramref name="afterSequence"/>, ascending, at most <paramref name="maxCount"/>.</summary>
    ValueTask<IReadOnlyList<ServerChange>> ReadAsync(string documentId, long afterSequence, int maxCount, CancellationToken cancellationToken);

    /// <summary>Appends contiguous changes in one durable transaction.</summary>
    ValueTask AppendAsync(string documentId, IReadOnlyList<ServerChange> changes, CancellationToken cancellationToken);

    /// <summary>The sequence a change was given, by its idempotency key; <see langword="null"/> when it was never accepted.</summary>
    ValueTask<long?> FindSequenceAsync(string documentId, string clientId, long clientSeq, CancellationToken cancellationToken);
}
