using System.Text.Json;
using Converge.Client;
using Converge.Client.Documents;
using Converge.IntegrationTests.Infrastructure;
using Converge.Model.Documents;
using Converge.Protocol;
using Converge.Server.Validation;

namespace Converge.IntegrationTests.Sync;

/// <summary>Server-side validators over real Kestrel: a refused change is rolled back on its author only, and never reaches anyone else.</summary>
public sealed class ValidationTests
{
    private static JsonElement Json(object value) => JsonSerializer.SerializeToElement(value);

    // The shared rule: the same delegate could run on the client (ConvergeClientOptions.Rules); here only the server has it.
    private static string? VotesNeverNegative(string documentId, JsonMap state, IReadOnlyList<DocumentOperation> operations)
    {
        var after = state.Apply(operations);
        return operations.OfType<IncrementValue>().Any(i => after.GetCounter(i.Key) < 0) ? "Votes cannot go below zero." : null;
    }

    private sealed class TitleLength : IChangeValidator
    {
        public ValueTask<string?> ValidateAsync(ChangeValidationContext context, CancellationToken cancellationToken) =>
            ValueTask.FromResult(context.Operations.OfType<SetValue>().Any(s => s.Key == "title" && s.Value.GetString()?.Length > 10)
                ? "A title is at most 10 characters."
                : null);
    }

    private sealed class Throws : IChangeValidator
    {
        public ValueTask<string?> ValidateAsync(ChangeValidationContext context, CancellationToken cancellationToken) =>
            context.Operations.Any(o => o.Key == "boom") ? throw new InvalidOperationException("validator bug") : ValueTask.FromResult<string?>(null);
    }

    [Fact]
    public async Task A_refused_change__is_rolled_back_with_later_pending_changes_kept_and_never_reaches_others()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("converge.db"), o =>
        {
            o.AddRule(VotesNeverNegative);
            o.Validators.Add(new TitleLength());
            o.Validators.Add(new Throws());
        });
        await using var alice = TestClients.Create(server.SyncUri);
        await using var bob = TestClients.Create(server.SyncUri);
        await Task.WhenAll(alice.StartAsync(), bob.StartAsync());
        var a = await alice.OpenDocumentAsync("board");
        var b = await bob.OpenDocumentAsync("board");
        var rejections = new List<ChangeRejectedException>();
        a.Rejected += (_, e) =>
        {
            lock (rejections)
            {
                rejections.Add(e.Exception);
            }
        };

        var up = await a.IncrementAsync("votes", 1);
        var tooFar = await a.IncrementAsync("votes", -5);
        var longTitle = await a.SetAsync("title", Json("far too long a title"));
        var boom = await a.SetAsync("boom", Json(1));
        var kept = await a.SetAsync("title", Json("short"));

        Assert.Equal(1, await up.Acknowledged);
        var refused = await Assert.ThrowsAsync<ChangeRejectedException>(() => tooFar.Acknowledged);
        Assert.Equal(ErrorCodes.ValidationFailed, refused.ErrorCode);
        Assert.Equal("Votes cannot go below zero.", refused.Message);
        Assert.Equal("A title is at most 10 characters.", (await Assert.ThrowsAsync<ChangeRejectedException>(() => longTitle.Acknowledged)).Message);
        Assert.Equal("The server could not validate this change.", (await Assert.ThrowsAsync<ChangeRejectedException>(() => boom.Acknowledged)).Message);
        Assert.Equal(2, await kept.Acknowledged);

        await b.UntilSequenceAsync(2);
        foreach (var document in new[] { a, b })
        {
            Assert.Equal(1, document.State.GetCounter("votes"));
            Assert.Equal("short", document.State["title"].GetString());
            Assert.False(document.State.ContainsKey("boom"));
            Assert.Equal(0, document.PendingCount);
        }

        Assert.Equal(3, rejections.Count);
        Assert.Equal(2, b.Sequence);
    }
}
