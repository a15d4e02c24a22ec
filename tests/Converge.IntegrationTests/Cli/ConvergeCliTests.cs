using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Converge.IntegrationTests.Infrastructure;

namespace Converge.IntegrationTests.Cli;

/// <summary>The <c>converge</c> CLI as a real process against a real Converge server on Kestrel at 127.0.0.1.</summary>
public sealed partial class ConvergeCliTests
{
    [Fact]
    public async Task Put_then_get__round_trips_the_value_and_the_whole_document()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("server.db"));
        var url = $"http://127.0.0.1:{server.Port}";

        var put = await CliProcess.RunAsync("put", "cli-doc", "settings", """{"theme":"dark","size":[1,2]}""", "--url", url);
        Assert.True(put.ExitCode == 0, put.Error);
        Assert.Contains("(sequence 1)", put.Output);

        var one = await CliProcess.RunAsync("get", "cli-doc", "settings", "--url", url);
        Assert.Equal(0, one.ExitCode);
        Assert.Equal("""{"theme":"dark","size":[1,2]}""", one.Output.Trim());

        await CliProcess.RunAsync("put", "cli-doc", "title", "\"Sprint 12\"", "--url", url);
        var all = await CliProcess.RunAsync("get", "cli-doc", "--url", url);
        Assert.Equal(0, all.ExitCode);
        using var document = JsonDocument.Parse(all.Output);
        Assert.Equal("Sprint 12", document.RootElement.GetProperty("title").GetString());
        Assert.Equal("dark", document.RootElement.GetProperty("settings").GetProperty("theme").GetString());
    }

    [Fact]
    public async Task Watch__shows_the_document_and_then_a_change_made_elsewhere()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("server.db"));
        var url = $"http://127.0.0.1:{server.Port}";
        Assert.Equal(0, (await CliProcess.RunAsync("put", "watched", "title", "\"first\"", "--url", url)).ExitCode);

        await using var watch = CliProcess.Start("watch", "watched", "--url", url, "--name", "watcher");
        await watch.WaitForLineAsync(static l => l.StartsWith("watching watched", StringComparison.Ordinal));
        await watch.WaitForLineAsync(static l => l == "[1] title = \"first\"");
        await watch.WaitForLineAsync(static l => l == "present: watcher");

        Assert.Equal(0, (await CliProcess.RunAsync("put", "watched", "title", "\"second\"", "--url", url)).ExitCode);

        await watch.WaitForLineAsync(static l => l == "[2] title = \"second\"");
    }

    [Fact]
    public async Task Load_with_a_few_clients__reports_every_change_acknowledged_and_a_latency_histogram()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("server.db"));

        var load = await CliProcess.RunAsync("load", "--clients", "3", "--rate", "60", "--duration", "1", "--url", $"http://127.0.0.1:{server.Port}");

        Assert.True(load.ExitCode == 0, load.Output + load.Error);
        var summary = Summary().Match(load.Output);
        Assert.True(summary.Success, load.Output);
        Assert.Equal(60, int.Parse(summary.Groups["sent"].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(summary.Groups["sent"].Value, summary.Groups["acked"].Value);
        var samples = Histogram().Match(load.Output);
        Assert.True(samples.Success, load.Output);
        Assert.InRange(int.Parse(samples.Groups["samples"].Value, System.Globalization.CultureInfo.InvariantCulture), 1, 60);
        Assert.Matches(@"<=\s+\d+ ms \| #+", load.Output);
        Assert.Matches(@"p50 [\d.]+ ms  p95 [\d.]+ ms  p99 [\d.]+ ms  max [\d.]+ ms", load.Output);
    }

    [Fact]
    public async Task Bad_input_and_an_unreachable_server__exit_non_zero_with_a_clear_message()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("server.db"));
        var url = $"http://127.0.0.1:{server.Port}";

        var badJson = await CliProcess.RunAsync("put", "doc", "key", "{not json", "--url", url);
        Assert.Equal(2, badJson.ExitCode);
        Assert.StartsWith("error: '{not json' is not valid JSON", badJson.Error);

        var badUrl = await CliProcess.RunAsync("get", "doc", "--url", "ftp://example");
        Assert.Equal(2, badUrl.ExitCode);
        Assert.Contains("is not a server address", badUrl.Error);

        var missing = await CliProcess.RunAsync("get", "doc", "nope", "--url", url);
        Assert.Equal(5, missing.ExitCode);
        Assert.Contains("has no key 'nope'", missing.Error);

        var usage = await CliProcess.RunAsync("put", "doc");
        Assert.Equal(1, usage.ExitCode);

        var down = await CliProcess.RunAsync("get", "doc", "--url", $"http://127.0.0.1:{FreePort()}");
        Assert.Equal(3, down.ExitCode);
        Assert.Contains("Cannot reach the Converge server", down.Error);
    }

    // A port nothing listens on (freed at once; another test could take it, which the assertion on the code tolerates).
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"sent (?<sent>\d+) in [\d.]+ s \([\d.]+/s\), acknowledged (?<acked>\d+), failed 0")]
    private static partial Regex Summary();

    [GeneratedRegex(@"latency histogram \(push on one client -> applied on another\), (?<samples>\d+) samples:")]
    private static partial Regex Histogram();
}
