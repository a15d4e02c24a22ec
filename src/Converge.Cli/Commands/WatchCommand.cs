using System.CommandLine;
using System.Text.Json;
using System.Threading.Channels;
using Converge.Client;
using Converge.Client.Documents;
using Converge.Client.Presence;
using Converge.Model.Documents;
using Spectre.Console;

namespace Converge.Cli.Commands;

/// <summary>
/// <c>converge watch &lt;doc&gt;</c>: a live view of a document's keys and values and of who is present, updated in
/// place on a terminal; with output redirected (a pipe, a file, a test), one line per change instead.
/// </summary>
internal static class WatchCommand
{
    public static Command Create(Option<string> url)
    {
        var document = new Argument<string>("doc") { Description = "The document id." };
        var name = new Option<string>("--name") { Description = "The name others see in the document's presence.", DefaultValueFactory = static _ => "converge watch" };
        var command = new Command("watch", "Show a document's keys and values and who is present, live, until Ctrl+C.") { document, name };
        CommandRunner.SetBody(command, async (result, cancellationToken) =>
        {
            var endpoint = ServerAddress.SyncEndpoint(result.GetValue(url)!);
            var documentId = result.GetValue(document)!;
            await using var client = await ClientConnector.ConnectAsync(endpoint, keepReconnecting: true, cancellationToken);
            var opened = await client.OpenDocumentAsync(documentId, cancellationToken);
            var metadata = JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["name"] = result.GetValue(name)! });
            await using var presence = await client.JoinPresenceAsync(documentId, metadata, cancellationToken);

            // Events only signal; one loop renders the newest state, so a burst of changes costs one render.
            var signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
            void Signal(object? sender, EventArgs e) => signal.Writer.TryWrite(true);
            opened.Changed += Signal;
            presence.Changed += Signal;
            client.StatusChanged += Signal;
            try
            {
                if (AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected)
                {
                    await AnsiConsole.Live(View(client, opened, presence)).StartAsync(async live =>
                    {
                        while (await Next(signal.Reader, cancellationToken))
                        {
                            live.UpdateTarget(View(client, opened, presence));
                        }
                    });
                }
                else
                {
                    await PlainAsync(endpoint, opened, presence, signal.Reader, cancellationToken);
                }
            }
            finally
            {
                opened.Changed -= Signal;
                presence.Changed -= Signal;
                client.StatusChanged -= Signal;
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    // False once Ctrl+C was pressed: the view then ends normally.
    private static async Task<bool> Next(ChannelReader<bool> signal, CancellationToken cancellationToken)
    {
        try
        {
            return await signal.WaitToReadAsync(cancellationToken) && signal.TryRead(out _);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task PlainAsync(Uri endpoint, ConvergeDocument document, PresenceHandle presence, ChannelReader<bool> signal, CancellationToken cancellationToken)
    {
        var shown = JsonMap.Empty;
        var people = string.Empty;
        Console.Out.WriteLine($"watching {document.Id} on {endpoint} at sequence {document.Sequence} ({document.State.Count} keys); Ctrl+C stops");
        do
        {
            var state = document.State;
            foreach (var (key, value) in state)
            {
                if (!shown.TryGetValue(key, out var before) || !JsonElement.DeepEquals(before, value))
                {
                    Console.Out.WriteLine($"[{document.Sequence}] {key} = {value.GetRawText()}");
                }
            }

            foreach (var key in shown.Keys.Where(k => !state.ContainsKey(k)))
            {
                Console.Out.WriteLine($"[{document.Sequence}] {key} removed");
            }

            shown = state;
            var now = string.Join(", ", presence.State.Users.Select(Name));
            if (now != people)
            {
                Console.Out.WriteLine($"present: {now}");
                people = now;
            }

            await Console.Out.FlushAsync(cancellationToken);
        }
        while (await Next(signal, cancellationToken));
    }

    private static Rows View(ConvergeClient client, ConvergeDocument document, PresenceHandle presence)
    {
        var status = client.Status;
        var table = new Table().Expand().Border(TableBorder.Rounded)
            .Title($"[bold]{Markup.Escape(document.Id)}[/]  sequence {document.Sequence}  [grey]{document.PendingCount} pending[/]")
            .AddColumn("[bold]key[/]").AddColumn("[bold]value[/]");
        foreach (var (key, value) in document.State)
        {
            table.AddRow(Markup.Escape(key), Markup.Escape(Shorten(value.GetRawText())));
        }

        if (document.State.Count == 0)
        {
            table.AddRow("[grey](empty)[/]", string.Empty);
        }

        var people = presence.State.Users.Count == 0
            ? "[grey]nobody[/]"
            : string.Join("  ", presence.State.Users.Select(u => (u.IsSelf ? "[green]●[/] " : "[blue]●[/] ") + Markup.Escape(Name(u)) + (u.IsTyping ? " [grey](typing)[/]" : string.Empty)));
        var connection = status.State == ConnectionState.Connected
            ? $"[green]connected[/] over {status.Transport}"
            : $"[yellow]{status.State.ToString().ToLowerInvariant()}[/]";
        return new Rows(
            new Markup($"{connection}   present ({presence.State.UserCount}): {people}"),
            table,
            new Markup("[grey]Ctrl+C to stop[/]"));
    }

    private static string Name(PresenceUser user) =>
        user.Metadata.ValueKind == JsonValueKind.Object && user.Metadata.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
            ? name.GetString()!
            : user.UserId;

    private static string Shorten(string text) => text.Length <= 200 ? text : string.Concat(text.AsSpan(0, 199), "…");
}
