using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Converge.Server.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Converge.Server.Authority;

/// <summary>Finds the one authority of a document, activating it on first use.</summary>
internal sealed class AuthorityRegistry : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, DocumentAuthority> _authorities = new(StringComparer.Ordinal);
    private readonly Lock _activation = new();
    private readonly IChangeStore _store;
    private readonly GroupCommitter _committer;
    private readonly ConvergeServerOptions _options;
    private readonly ILogger<DocumentAuthority> _logger;
    private readonly Observability.ConvergeServerMetrics _metrics;
    private readonly TimeProvider _time;
    private bool _disposed;

    // Taking the committer here also makes the container dispose it after the registry, i.e. after the authorities' last commits.
    public AuthorityRegistry(IChangeStore store, GroupCommitter committer, IOptions<ConvergeServerOptions> options, Observability.ConvergeServerMetrics metrics, TimeProvider time, ILogger<DocumentAuthority> logger)
    {
        _store = store;
        _committer = committer;
        _options = options.Value;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        metrics.Meter.CreateObservableGauge("converge.server.authorities", () => _authorities.Count, "{document}", "Documents with an active authority.");
        metrics.Meter.CreateObservableGauge("converge.server.authority.queue", () => _authorities.Values.Sum(static a => a.QueueDepth), "{command}",
            "Commands waiting at all authorities.");
    }

    public int Count => _authorities.Count;

    /// <exception cref="ObjectDisposedException">The server is shutting down.</exception>
    public DocumentAuthority Get(string documentId)
    {
        if (_authorities.TryGetValue(documentId, out var authority))
        {
            return authority;
        }

        // Activation is rare and must happen once per document: two authorities would fork its sequence.
        lock (_activation)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _authorities.GetOrAdd(documentId, id => new DocumentAuthority(id, _store, _committer, _options, _metrics, _time, _logger, Forget));
        }
    }

    /// <summary>
    /// Queues a command at the document's authority, activating it when needed; when the authority passivates while the
    /// command is on its way, the command goes to its successor instead. Waits while the inbox is full.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The server is shutting down.</exception>
    /// <exception cref="System.Threading.Channels.ChannelClosedException">The authority is shutting down or failed to load.</exception>
    public async ValueTask SendAsync(string documentId, AuthorityCommand command, CancellationToken cancellationToken)
    {
        while (!await Get(documentId).TryPostAsync(command, cancellationToken).ConfigureAwait(false))
        {
            // Passivated and already forgotten: the next Get activates a fresh authority from the store.
        }
    }

    /// <summary>Queues a command only if the document's authority is in memory (leaving a passivated document needs nothing).</summary>
    public async ValueTask SendIfActiveAsync(string documentId, AuthorityCommand command, CancellationToken cancellationToken)
    {
        if (TryGet(documentId, out var authority))
        {
            await authority.TryPostAsync(command, cancellationToken).ConfigureAwait(false);
        }
    }

    public bool TryGet(string documentId, [NotNullWhen(true)] out DocumentAuthority? authority) =>
        _authorities.TryGetValue(documentId, out authority);

    public async ValueTask DisposeAsync()
    {
        lock (_activation)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        await Task.WhenAll(_authorities.Values.Select(static a => a.DisposeAsync().AsTask())).ConfigureAwait(false);
        _authorities.Clear();
    }

    // Called by an authority that failed to load or passivated; a later Get activates a fresh one.
    private void Forget(DocumentAuthority authority) =>
        _authorities.TryRemove(KeyValuePair.Create(authority.DocumentId, authority));
}
