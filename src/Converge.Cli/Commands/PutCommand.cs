using System.CommandLine;
using System.Text.Json;
using Converge.Client;

namespace Converge.Cli.Commands;

/// <summary><c>converge put &lt;doc&gt; &lt;key&gt; &lt;json&gt;</c>: sets one key and waits until the server has it durably.</summary>
internal static class PutCommand
{
    public static Command Create(Option<string> url)
    {
        var document = new Argument<string>("doc") { Description = "The document id." };
        var key = new Argument<string>("key") { Description = "The key." };
        var json = new Argument<string>("json") { Description = "The value, as JSON: '\"text\"', 42, true, '{\"a\":1}'." };
        var command = new Command("put", "Set a key of a document to a JSON value; waits for the server's acknowledgement.") { document, key, json };
        CommandRunner.SetBody(command, async (result, cancellationToken) =>
        {
            var value = ParseJson(result.GetValue(json)!);
            var endpoint = ServerAddress.SyncEndpoint(result.GetValue(url)!);
            var documentId = result.GetValue(document)!;
            var keyName = result.GetValue(key)!;
            await using var client = await ClientConnector.ConnectAsync(endpoint, keepReconnecting: false, cancellationToken);
            var opened = await client.OpenDocumentAsync(documentId, cancellationToken);
            long sequence;
            try
            {
                var receipt = await opened.SetAsync(keyName, value, cancellationToken);
                sequence = await receipt.Acknowledged.WaitAsync(ClientConnector.ConnectTimeout, cancellationToken);
            }
            catch (ChangeRejectedException ex)
            {
                throw new CliException(ExitCodes.Rejected, $"The server refused the change ({ex.ErrorCode}): {ex.Message}", ex);
            }
            catch (ArgumentException ex)
            {
                throw new CliException(ExitCodes.InvalidInput, ex.Message, ex);
            }

            Console.Out.WriteLine($"{documentId} {keyName} = {value.GetRawText()} (sequence {sequence})");
            await client.StopAsync(CancellationToken.None);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Parses a JSON value given on the command line.</summary>
    /// <exception cref="CliException">Not JSON (<see cref="ExitCodes.InvalidInput"/>).</exception>
    internal static JsonElement ParseJson(string text)
    {
        try
        {
            using var parsed = JsonDocument.Parse(text);
            return parsed.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new CliException(ExitCodes.InvalidInput,
                $"'{text}' is not valid JSON ({ex.Message.Split(" LineNumber:")[0].TrimEnd().TrimEnd('.')} at byte {ex.BytePositionInLine}). Quote strings as JSON: converge put doc key '\"text\"'.", ex);
        }
    }
}
