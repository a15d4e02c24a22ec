using System.Text.Json;
using Converge.Client.Documents;
using Converge.Client.Transports;
using Converge.IntegrationTests.Infrastructure;
using Converge.Model.Documents;

namespace Converge.IntegrationTests.Sync;

/// <summary>A large document's snapshot arrives in parts on every transport, with progress, and shows only when complete.</summary>
public sealed class ChunkedSnapshotTests
{
    private sealed class Recorder : IProgress<SyncProgressEventArgs>
    {
        public List<SyncProgressEventArgs> Reports { get; } = [];

        public void Report(SyncProgressEventArgs value)
        {
            lock (Reports)
            {
                Reports.Add(value);
            }
        }
    }

    [Theory]
    [InlineData(TransportKind.WebSocket)]
    [InlineData(TransportKind.ServerSentEvents)]
    [InlineData(TransportKind.LongPolling)]
    public async Task A_large_document__loads_in_parts_with_progress_and_is_exposed_only_complete(TransportKind transport)
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"), o =>
        {
            o.SnapshotPartBytes = 16 * 1024;
            o.MaxDocumentBytes = 4 * 1024 * 1024;
        });
        await using var writer = TestClients.Create(server.SyncUri);
        await writer.StartAsync();
        var source = await writer.OpenDocumentAsync("big");
        var padding = new string('x', 200);
        var receipts = new List<Task<long>>();
        for (var i = 0; i < 2000; i++)
        {
            receipts.Add((await source.ApplyAsync([new SetValue($"card-{i:D4}", JsonSerializer.SerializeToElement(new { i, padding }))])).Acknowledged);
        }

        await Task.WhenAll(receipts);
        await using var reader = TestClients.Create(server.SyncUri, transports: transport);
        await reader.StartAsync();
        var progress = new Recorder();

        var loaded = await reader.OpenDocumentAsync("big", progress);

        Assert.Equal(DocumentStatus.Ready, loaded.Status);
        Assert.Equal(2000, loaded.State.Count);
        Assert.True(loaded.State.ContentEquals(source.State), "the loaded document differs");
        Assert.True(progress.Reports.Count >= 20, $"only {progress.Reports.Count} progress reports for ~450 KiB in 16 KiB parts");
        Assert.Equal(progress.Reports.Select(r => r.Received).Order(), progress.Reports.Select(r => r.Received));
        Assert.Equal(2000, progress.Reports[^1].Received);
        Assert.All(progress.Reports, r => Assert.Equal(2000, r.Total));
    }
}
