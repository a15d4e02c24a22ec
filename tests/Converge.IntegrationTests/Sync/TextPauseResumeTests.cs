using Converge.IntegrationTests.Infrastructure;

namespace Converge.IntegrationTests.Sync;

/// <summary>
/// OT text through pause and resume: edits chained on unacknowledged ones, snapshots that jump the text (a client that
/// had seen nothing resumes from cursor 0), acknowledgements lost with the connection.
/// </summary>
public sealed class TextPauseResumeTests
{
    // About 0.15 s a seed; the rare interleavings (a push and a resubscribe handled in one commit group) need many.
    public static TheoryData<int> Seeds() => new(Enumerable.Range(1, 40));

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Two_clients_typing_and_deleting_through_pauses_and_resumes__converge_with_every_acknowledged_edit_applied_once(int seed)
    {
        var random = new Random(seed);
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"));
        await using var a = TestClients.Create(server.SyncUri);
        await using var b = TestClients.Create(server.SyncUri, transports: Converge.Client.Transports.TransportKind.LongPolling);
        await Task.WhenAll(a.StartAsync(), b.StartAsync());
        var da = await a.OpenDocumentAsync("doc");
        var db = await b.OpenDocumentAsync("doc");
        var receipts = new List<Task<long>>();
        for (var step = 0; step < 60; step++)
        {
            var d = random.Next(2) == 0 ? da : db;
            var roll = random.Next(10);
            if (roll < 7)
            {
                var len = d.State.GetText("t").Length;
                var at = random.Next(len + 1);
                receipts.Add((await d.EditTextAsync("t", at, random.Next(Math.Min(2, len - at) + 1), "xy"[random.Next(2)].ToString())).Acknowledged);
            }
            else if (roll < 9)
            {
                var c = d == da ? a : b;
                if (c.State == Converge.Client.ConnectionState.Connected) await c.PauseAsync(); else await c.ResumeAsync();
            }
        }

        if (a.State != Converge.Client.ConnectionState.Connected) await a.ResumeAsync();
        if (b.State != Converge.Client.ConnectionState.Connected) await b.ResumeAsync();
        var seqs = await Task.WhenAll(receipts).WaitAsync(TimeSpan.FromSeconds(30));
        await da.UntilSequenceAsync(seqs.Max());
        await db.UntilSequenceAsync(seqs.Max());
        Assert.Equal(da.State.GetText("t"), db.State.GetText("t"));
        Assert.Equal(receipts.Count, da.State.GetTextRevision("t"));
    }
}
