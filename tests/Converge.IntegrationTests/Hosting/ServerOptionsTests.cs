using Converge.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Converge.IntegrationTests.Hosting;

public sealed class ServerOptionsTests
{
    [Fact]
    public async Task Invalid_options__fail_the_host_at_startup_with_every_problem_named()
    {
        using var temp = new TempDirectory();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestServer.StartAsync(temp.File("c.db"), options =>
        {
            options.MaxFrameBytes = 10;
            options.HelloTimeout = TimeSpan.Zero;
        }));

        Assert.Contains(error.Failures, f => f.Contains("MaxFrameBytes", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("HelloTimeout", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Invalid_storage_options__fail_the_host_at_startup_with_every_problem_named()
    {
        using var temp = new TempDirectory();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestServer.StartAsync(temp.File("c.db"), options =>
        {
            options.UsePostgres("Host=127.0.0.1;Username=x", schema: "Bad-Schema");
            options.Storage.CheckpointEveryChanges = 0;
            options.Storage.CheckpointInterval = TimeSpan.Zero;
            options.Storage.RetainedChanges = -1;
            options.Storage.LogRetention = TimeSpan.FromSeconds(-5);
            options.Storage.PassivateAfter = TimeSpan.Zero;
            options.Storage.MaxChangesPerTransaction = -1;
            options.MaxPendingChangesPerClient = 10;
        }));

        foreach (var name in new[] { "PostgresSchema", "CheckpointEveryChanges", "CheckpointInterval", "RetainedChanges", "LogRetention", "PassivateAfter", "MaxChangesPerTransaction", "MaxPendingChangesPerClient" })
        {
            Assert.Contains(error.Failures, f => f.Contains(name, StringComparison.Ordinal));
        }

        var noHost = await Assert.ThrowsAsync<OptionsValidationException>(() => TestServer.StartAsync(temp.File("d.db"), options => options.UsePostgres("Username=x")));
        Assert.Contains(noHost.Failures, f => f.Contains("Host", StringComparison.Ordinal));
    }

    [Fact]
    public void Client_options_without_a_server_uri__are_refused_with_a_clear_error()
    {
        var error = Assert.Throws<ArgumentException>(() => new Converge.Client.ConvergeClient(new Converge.Client.ConvergeClientOptions()));
        Assert.Contains("ServerUri", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new Converge.Client.ConvergeClient(new Converge.Client.ConvergeClientOptions { ServerUri = new Uri("ftp://x") }));
    }

    [Fact]
    public async Task Connecting_to_a_port_with_no_server_with_no_retries_allowed__throws_a_typed_connection_error()
    {
        await using var client = new Converge.Client.ConvergeClient(new Converge.Client.ConvergeClientOptions
        {
            ServerUri = new Uri("ws://127.0.0.1:1/sync"),
            ReconnectPolicy = new Converge.Client.Reconnection.DefaultReconnectPolicy { MaxAttempts = 0 },
        });
        var error = await Assert.ThrowsAsync<Converge.Client.ConvergeConnectionException>(() => client.StartAsync());
        Assert.Equal("connection_lost", error.ErrorCode);
        Assert.Equal(Converge.Client.Reconnection.FailureKind.ConnectionLost, error.Failure.Kind);
        Assert.Equal(Converge.Client.ConnectionState.Disconnected, client.State);
    }
}
