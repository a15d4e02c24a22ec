using System.CommandLine;
using Spectre.Console;

namespace Converge.Cli.Commands;

/// <summary>Runs a command's body and turns its failures into a message on stderr and an exit code.</summary>
internal static class CommandRunner
{
    /// <summary>Sets <paramref name="command"/>'s action to <paramref name="body"/>, with the CLI's error handling.</summary>
    public static void SetBody(Command command, Func<ParseResult, CancellationToken, Task<int>> body) =>
        command.SetAction(async (result, cancellationToken) =>
        {
            try
            {
                return await body(result, cancellationToken);
            }
            catch (CliException ex)
            {
                WriteError(ex.Message);
                return ex.ExitCode;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return ExitCodes.Canceled;
            }
        });

    /// <summary>Writes an error line to stderr.</summary>
    public static void WriteError(string message)
    {
        // Plain and unwrapped: scripts grep it; a terminal gets it in red.
        if (AnsiConsole.Profile.Capabilities.Ansi && !Console.IsErrorRedirected)
        {
            Console.Error.WriteLine($"\u001b[31merror:\u001b[0m {message}");
        }
        else
        {
            Console.Error.WriteLine($"error: {message}");
        }
    }
}
