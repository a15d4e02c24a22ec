using System.CommandLine;
using System.Text.Json;

namespace Converge.Cli.Commands;

/// <summary><c>converge get &lt;doc&gt; [key]</c>: prints a document (a JSON object of its keys) or one key's value.</summary>
internal static class GetCommand
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true };

    public static Command Create(Option<string> url)
    {
        var document = new Argument<string>("doc") { Description = "The document id." };
        var key = new Argument<string?>("key") { Description = "One key; without it, the whole document.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("get", "Print a document as a JSON object, or one key's JSON value.") { document, key };
        CommandRunner.SetBody(command, async (result, cancellationToken) =>
        {
            var endpoint = ServerAddress.SyncEndpoint(result.GetValue(url)!);
            var documentId = result.GetValue(document)!;
            await using var client = await ClientConnector.ConnectAsync(endpoint, keepReconnecting: false, cancellationToken);
            var opened = await client.OpenDocumentAsync(documentId, cancellationToken);
            var state = opened.State;
            await client.StopAsync(CancellationToken.None);
            if (result.GetValue(key) is { } name)
            {
                if (!state.TryGetValue(name, out var value))
                {
                    throw new CliException(ExitCodes.NotFound, $"Document '{documentId}' has no key '{name}'.");
                }

                Console.Out.WriteLine(value.GetRawText());
                return ExitCodes.Ok;
            }

            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, Indented))
            {
                writer.WriteStartObject();
                foreach (var (name2, value) in state)
                {
                    writer.WritePropertyName(name2);
                    value.WriteTo(writer);
                }

                writer.WriteEndObject();
            }

            Console.Out.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
            return ExitCodes.Ok;
        });
        return command;
    }
}
