using System.Net;
using Converge.Client;
using Converge.Client.Reconnection;
using Converge.Client.Transports;
using Converge.Testing.Faults;

namespace Converge.IntegrationTests.Infrastructure;

internal static class TestClients
{
    /// <summary>A client with quick reconnects (the defaults' 1 s..30 s would only slow tests down).</summary>
    public static ConvergeClient Create(Uri serverUri, Action<ConvergeClientOptions>? configure = null, params TransportKind[] transports)
    {
        var options = new ConvergeClientOptions
        {
            ServerUri = serverUri,
            ReconnectPolicy = new DefaultReconnectPolicy { InitialDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(500) },
            HandshakeTimeout = TimeSpan.FromSeconds(5),
        };
        if (transports.Length > 0)
        {
            options.Transports.Clear();
            foreach (var kind in transports)
            {
                options.Transports.Add(kind);
            }
        }

        configure?.Invoke(options);
        return new ConvergeClient(options);
    }

    public static FaultProxy ProxyTo(TestServer server) => FaultProxy.Start(new IPEndPoint(IPAddress.Loopback, server.Port));

    /// <summary>Waits (on events, bounded) until the client's status matches.</summary>
    public static async Task<ConnectionStatus> UntilStatusAsync(this ConvergeClient client, Func<ConnectionStatus, bool> predicate, string what, TimeSpan? timeout = null)
    {
        var reached = new TaskCompletionSource<ConnectionStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(object? sender, ConnectionStatusChangedEventArgs e)
        {
            if (predicate(e.Status))
            {
                reached.TrySetResult(e.Status);
            }
        }

        client.StatusChanged += OnChanged;
        try
        {
            if (predicate(client.Status))
            {
                return client.Status;
            }

            return await reached.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"Client never reached: {what}; it is {client.Status}.");
        }
        finally
        {
            client.StatusChanged -= OnChanged;
        }
    }
}
