using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Converge.Cli.Commands;

/// <summary><c>converge serve</c>: the Converge server with the board host's defaults (127.0.0.1:5000, SQLite under ./data).</summary>
internal static class ServeCommand
{
    public static Command Create(Option<string> url)
    {
        var data = new Option<string>("--data")
        {
            Description = "The folder of the SQLite change log (converge.db). Default ./data.",
            DefaultValueFactory = static _ => "data",
        };
        var command = new Command("serve", "Run a Converge server: the sync endpoint /sync (WebSocket, SSE, long polling) and /healthz.") { data };
        CommandRunner.SetBody(command, async (result, cancellationToken) =>
        {
            var listen = ServerAddress.ListenAddress(result.GetValue(url)!);
            var database = Path.GetFullPath(Path.Combine(result.GetValue(data)!, "converge.db"));
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls(listen);
            builder.Logging.SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            builder.Services.AddConverge(options => options.DatabasePath = database);
            await using var app = builder.Build();
            app.MapConverge("/sync");
            app.MapHealthChecks("/healthz");
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch (IOException ex)
            {
                throw new CliException(ExitCodes.InvalidInput, $"Cannot listen on {listen}: {ex.Message}", ex);
            }

            Console.Out.WriteLine($"Converge server on {listen} (sync endpoint {new UriBuilder(listen) { Scheme = "ws", Path = "/sync" }.Uri}), change log {database}. Ctrl+C stops it.");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }

            await app.StopAsync(CancellationToken.None);
            return ExitCodes.Ok;
        });
        return command;
    }
}
