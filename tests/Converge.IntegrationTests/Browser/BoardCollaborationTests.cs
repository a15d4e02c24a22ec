using System.Text.Json;

namespace Converge.IntegrationTests.Browser;

/// <summary>
/// The full board (samples/Converge.Board.Client) in real Chromium, two browser contexts (two users, two replicas) per
/// scenario, driven by tests/browser/board-collab.mjs through the board's stable ids and data attributes. Screenshots
/// go to artifacts/screenshots/board-*.png.
/// </summary>
[Collection(BrowserLatencyCollection.Name)]
public sealed class BoardCollaborationTests(BoardHostFixture fixture) : IClassFixture<BoardHostFixture>
{
    private static readonly TimeSpan ScenarioTimeout = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task Every_kind_of_edit_in_one_context__shows_in_the_other_within_a_second_and_both_end_equal()
    {
        var result = await RunAsync("edits");

        foreach (var latency in new[] { "addMs", "titleMs", "descriptionMs", "voteMs", "tagMs", "moveMs" })
        {
            Assert.InRange(result.GetProperty(latency).GetInt64(), 0, 1000);
        }

        // Dragged onto the first card, the second landed before it (and was then deleted by the other context).
        Assert.Equal(["Review", "Write the board docs"], result.GetProperty("dragOrder").EnumerateArray().Select(static e => e.GetString()!));
        Assert.True(result.GetProperty("same").GetBoolean());
        var card = Assert.Single(result.GetProperty("board").EnumerateArray());
        Assert.Equal("doing", card.GetProperty("column").GetString());
        Assert.Equal("Write the board docs", card.GetProperty("title").GetString());
        Assert.Equal("Key scheme, store, tests ✓", card.GetProperty("description").GetString());
        Assert.Equal("2", card.GetProperty("votes").GetString());
        Assert.Equal(["docs"], card.GetProperty("tags").EnumerateArray().Select(static e => e.GetString()!));
    }

    [Fact]
    public async Task The_other_contexts_cursor__appears_with_its_name_and_follows_the_mouse()
    {
        var result = await RunAsync("cursors");

        Assert.InRange(result.GetProperty("appearedMs").GetInt64(), 0, 1000);
        Assert.Equal("Bea Moves", result.GetProperty("first").GetProperty("name").GetString());
        Assert.NotEqual(result.GetProperty("first").GetProperty("left").GetString(), result.GetProperty("second").GetProperty("left").GetString());
        Assert.Equal("640px", result.GetProperty("second").GetProperty("left").GetString());
        Assert.Equal("420px", result.GetProperty("second").GetProperty("top").GetString());
        Assert.Contains("Bea Moves", result.GetProperty("avatars").EnumerateArray().Select(static e => e.GetString()));
        Assert.Equal(2, result.GetProperty("avatars").GetArrayLength());
        // A tab never draws its own cursor as someone else's.
        Assert.Equal(0, result.GetProperty("selfCursors").GetInt32());
    }

    [Fact]
    public async Task Offline_edits_queue_as_pending__and_back_online_both_contexts_converge_with_the_others_concurrent_edits()
    {
        var result = await RunAsync("offline");

        Assert.Equal(3, result.GetProperty("pendingWhileOffline").GetInt32());
        Assert.False(result.GetProperty("bSawOfflineCard").GetBoolean());
        Assert.True(result.GetProperty("same").GetBoolean());
        var cards = result.GetProperty("board").EnumerateArray().ToDictionary(static c => c.GetProperty("title").GetString()!);
        // Both offline votes and the other context's vote all count; the title is the other context's (the only writer).
        Assert.Equal("3", cards["Shared card (edited by B)"].GetProperty("votes").GetString());
        Assert.True(cards.ContainsKey("Written offline"));
    }

    [Fact]
    public async Task A_change_the_server_refuses__is_rolled_back_visibly_with_the_reason()
    {
        var result = await RunAsync("rejected");

        Assert.Equal("A title may not be longer than 80 characters.", result.GetProperty("titleReason").GetString());
        Assert.Equal("Votes may not go below 0.", result.GetProperty("votesReason").GetString());
        Assert.Equal("Short title", result.GetProperty("titleInA").GetString());
        Assert.Equal("Short title", result.GetProperty("titleInB").GetString());
        Assert.Equal("0", result.GetProperty("votesInB").GetString());
    }

    [Fact]
    public async Task A_reload_while_offline__keeps_the_pending_edits_held_text_edits_included_and_sends_them_once_online()
    {
        var result = await RunAsync("reload");

        var afterReload = result.GetProperty("afterReload");
        // A title, a vote, and one OT text edit per keystroke of " typed offline": the first to send, the rest held.
        var expected = 2 + " typed offline".Length;
        Assert.Equal(expected, afterReload.GetProperty("pendingBeforeReload").GetInt32());
        Assert.Equal(expected, afterReload.GetProperty("pending").GetInt32());
        Assert.True(afterReload.GetProperty("offlineChecked").GetBoolean());
        Assert.Equal("Disconnected", afterReload.GetProperty("state").GetString());
        // Shown from the local store before any server contact.
        Assert.Equal("Stale", afterReload.GetProperty("documentStatus").GetString());
        Assert.Equal("Before the reload", afterReload.GetProperty("bTitle").GetString());

        // Back online the restored edits, transformed past B's concurrent typing at the start, keep every keystroke.
        var description = result.GetProperty("description");
        Assert.Equal("B: Notes typed offline", description.GetProperty("a").GetString());
        Assert.Equal("B: Notes typed offline", description.GetProperty("b").GetString());
        Assert.True(result.GetProperty("same").GetBoolean());
    }

    [Fact]
    public async Task Two_contexts_typing_into_one_description_at_once__keep_every_keystroke_of_both_live_and_offline()
    {
        var result = await RunAsync("typing");

        var live = result.GetProperty("live");
        // B typed at the start while A typed in the middle, and each saw the other's keystrokes while typing.
        Assert.True(live.GetProperty("crossed").GetBoolean());
        Assert.Equal("Note: The quick brown fox jumps", live.GetProperty("a").GetString());
        Assert.Equal("Note: The quick brown fox jumps", live.GetProperty("b").GetString());
        // A's caret moved right with B's insertions before it, so A's keystrokes stayed together where A typed them.
        Assert.Equal("Note: The quick brown ".Length, live.GetProperty("caretA").GetInt32());

        // Offline, each keystroke is a pending edit chained on the previous one; B's concurrent delete merges with them.
        Assert.Equal(" high".Length, result.GetProperty("pendingWhileOffline").GetInt32());
        var offline = result.GetProperty("offline");
        Assert.Equal("The quick brown fox jumps high", offline.GetProperty("a").GetString());
        Assert.Equal("The quick brown fox jumps high", offline.GetProperty("b").GetString());
    }

    private async Task<JsonElement> RunAsync(string scenario)
    {
        await using var browser = BrowserProcess.Start(fixture.Host, "board-collab.mjs", scenario, fixture.Host.Address.ToString().TrimEnd('/'), BrowserProcess.ArtifactPath($"board-{scenario}"));
        var line = await browser.ReadLineAsync(ScenarioTimeout);
        // The measured latencies end up in the test log.
        Console.WriteLine($"board {scenario}: {line}");
        using var result = JsonDocument.Parse(line);
        return result.RootElement.Clone();
    }
}
