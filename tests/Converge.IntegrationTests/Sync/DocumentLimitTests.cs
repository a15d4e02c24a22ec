using System.Text.Json;
using Converge.Client;
using Converge.IntegrationTests.Infrastructure;
using Converge.Protocol;

namespace Converge.IntegrationTests.Sync;

/// <summary>The document size limit: growth past it is rejected with a clear code and reason, shrinking always works, nothing else is lost.</summary>
public sealed class DocumentLimitTests
{
    [Fact]
    public async Task A_change_that_would_grow_a_document_past_its_limit__is_rejected_and_shrinking_still_works()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"), o => o.MaxDocumentBytes = 4096);
        await using var client = TestClients.Create(server.SyncUri);
        await client.StartAsync();
        var document = await client.OpenDocumentAsync("doc");
        var block = JsonSerializer.SerializeToElement(new string('x', 1000));

        var accepted = new List<long>();
        ChangeRejectedException? refused = null;
        for (var i = 0; i < 6 && refused is null; i++)
        {
            try
            {
                accepted.Add(await (await document.SetAsync($"k{i}", block)).Acknowledged);
            }
            catch (ChangeRejectedException ex)
            {
                refused = ex;
            }
        }

        Assert.NotNull(refused);
        Assert.Equal(ErrorCodes.DocumentTooLarge, refused.ErrorCode);
        Assert.Contains("limit is 4096", refused.Message, StringComparison.Ordinal);
        Assert.Equal(4, accepted.Count);
        Assert.Equal(4, document.State.Count);

        // Replacing a value with a smaller one, and removing, are accepted at the limit.
        await (await document.SetAsync("k0", JsonSerializer.SerializeToElement("small"))).Acknowledged;
        await (await document.RemoveAsync("k1")).Acknowledged;
        await (await document.SetAsync("k4", block)).Acknowledged;

        await using var other = TestClients.Create(server.SyncUri);
        await other.StartAsync();
        var fresh = await other.OpenDocumentAsync("doc");
        Assert.True(fresh.State.ContentEquals(document.State), "the server's state differs from the client's");
        Assert.Equal(["k0", "k2", "k3", "k4"], fresh.State.Keys);
    }
}
