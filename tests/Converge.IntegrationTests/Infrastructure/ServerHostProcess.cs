using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Converge.IntegrationTests.Infrastructure;

/// <summary>
/// tests/Converge.ServerHost in a child process (<c>dotnet Converge.ServerHost.dll port store…</c>): started and awaited
/// until it prints <c>LISTENING</c>, and killed with SIGKILL: no shutdown code runs.
/// </summary>
internal sealed class ServerHostProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private ServerHostProcess(ChildProcess process) => _process = process;

    /// <summary>What the host wrote (stdout, then stderr), for failure messages.</summary>
    public string Output => _process.Output + "\n" + _process.Errors;

    /// <summary>A loopback port nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    public static async Task<ServerHostProcess> StartAsync(int port, IReadOnlyList<string> storeArguments)
    {
        var host = new ServerHostProcess(ChildProcess.Start(
            ChildProcess.BuiltAssembly(Path.Combine("tests", "Converge.ServerHost"), "Converge.ServerHost.dll"),
            [port.ToString(CultureInfo.InvariantCulture), .. storeArguments]));
        if (await host._process.ReadUntilAsync(static line => line.StartsWith("LISTENING", StringComparison.Ordinal), TimeSpan.FromSeconds(60)) is null)
        {
            var why = host._process.HasExited ? "it exited before listening" : "it was not listening after 60 s";
            await host.DisposeAsync();
            throw new Xunit.Sdk.XunitException($"The server host did not start: {why}\n{host.Output}");
        }

        return host;
    }

    /// <summary>SIGKILL: the process ends at once, whatever it was doing.</summary>
    public Task KillAsync() => _process.KillAsync();

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
