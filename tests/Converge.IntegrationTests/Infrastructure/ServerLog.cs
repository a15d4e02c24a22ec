using Converge.Model.Documents;
using Converge.Protocol.Frames;
using Converge.Server.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Converge.IntegrationTests.Infrastructure;

/// <summary>A document's durable change log as the server holds it: the ground truth for exactly-once checks.</summary>
internal sealed class ServerLog
{
    private ServerLog(IReadOnlyList<ServerChange> changes) => Changes = changes;

    public IReadOnlyList<ServerChange> Changes { get; }

    public static async Task<ServerLog> ReadAsync(TestServer server, string documentId)
    {
        var store = server.Services.GetRequiredService<IChangeStore>();
        var changes = new List<ServerChange>();
        while (true)
        {
            var page = await store.ReadAsync(documentId, changes.Count == 0 ? 0 : changes[^1].Sequence, 1000, CancellationToken.None);
            if (page.Count == 0)
            {
                return new ServerLog(changes);
            }

            changes.AddRange(page);
        }
    }

    /// <summary>How many changes set each key (a key set by two changes was applied twice).</summary>
    public Dictionary<string, int> KeyWrites()
    {
        var writes = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var operation in Changes.SelectMany(static c => c.Operations).OfType<SetValue>())
        {
            writes[operation.Key] = writes.GetValueOrDefault(operation.Key) + 1;
        }

        return writes;
    }

    /// <summary>Asserts that no change was applied twice and that each client's changes arrived in client-sequence order.</summary>
    public void AssertExactlyOnceInOrder()
    {
        var doubled = KeyWrites().Where(static w => w.Value > 1).Select(static w => w.Key).ToArray();
        Assert.True(doubled.Length == 0, $"applied more than once: {string.Join(", ", doubled)}");
        foreach (var client in Changes.GroupBy(static c => c.ClientId))
        {
            var sequences = client.Select(static c => c.ClientSeq).ToArray();
            Assert.True(sequences.SequenceEqual(sequences.Order()) && sequences.Distinct().Count() == sequences.Length,
                $"client {client.Key}'s changes are out of order or repeated: {string.Join(",", sequences)}");
        }
    }
}
