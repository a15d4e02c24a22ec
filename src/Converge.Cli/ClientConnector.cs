using Converge.Client;
using Converge.Client.Reconnection;

namespace Converge.Cli;

/// <summary>Makes and connects the CLI's clients: a server that cannot be reached is an error at once, not an endless retry.</summary>
internal static class ClientConnector
{
    /// <summary>How long a command waits for the first connection.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Options for one CLI client of <paramref name="syncEndpoint"/>.</summary>
    /// <param name="syncEndpoint">The server's sync endpoint.</param>
    /// <param name="keepReconnecting">For long-running commands (watch, load): reconnect as usual once connected.</param>
    public static ConvergeClientOptions Options(Uri syncEndpoint, bool keepReconnecting) => new()
    {
        ServerUri = syncEndpoint,
        HandshakeTimeout = TimeSpan.FromSeconds(5),
        ReconnectPolicy = keepReconnecting
            ? new DefaultReconnectPolicy { MaxDelay = TimeSpan.FromSeconds(5) }
            : new DefaultReconnectPolicy { InitialDelay = TimeSpan.FromMilliseconds(200), MaxAttempts = 1 },
    };

    /// <summary>Starts a client; a failure to connect becomes a <see cref="CliException"/> (<see cref="ExitCodes.Unreachable"/>).</summary>
    public static async Task<ConvergeClient> ConnectAsync(Uri syncEndpoint, bool keepReconnecting, CancellationToken cancellationToken)
    {
        var client = new ConvergeClient(Options(syncEndpoint, keepReconnecting));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            await client.StartAsync(timeout.Token);
            return client;
        }
        catch (Exception ex) when (ex is ConvergeConnectionException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var why = (ex as ConvergeConnectionException)?.Failure.Message ?? client.Status.LastFailure?.Message ?? $"no answer within {ConnectTimeout.TotalSeconds:0} s";
            await client.DisposeAsync();
            throw new CliException(ExitCodes.Unreachable, $"Cannot reach the Converge server at {syncEndpoint}: {why}", ex);
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }
}
