using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Converge.IntegrationTests.Infrastructure;
using Converge.Model.Documents;
using Converge.Protocol;
using Converge.Protocol.Frames;
using Microsoft.AspNetCore.Builder;

namespace Converge.IntegrationTests.Observability;

public sealed class MetricsAndHealthTests
{
    [Fact]
    public async Task The_server_meter__reports_connections_changes_commit_and_fanout_latency_and_rejections_by_reason()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("c.db"));
        var measurements = new ConcurrentQueue<(string Name, double Value, string? Tag)>();
        // Only this server's meter: other tests run their own servers in parallel, on meters of the same name.
        var meter = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<Converge.Server.Observability.ConvergeServerMetrics>(server.Services).Meter;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            measurements.Enqueue((instrument.Name, value, tags.Length > 0 ? tags[0].Value?.ToString() : null)));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => measurements.Enqueue((instrument.Name, value, null)));
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => measurements.Enqueue((instrument.Name, value, null)));
        listener.Start();

        await using (var client = TestClients.Create(server.SyncUri, transports: Converge.Client.Transports.TransportKind.WebSocket))
        {
            await client.StartAsync();
            var document = await client.OpenDocumentAsync("doc");
            for (var i = 0; i < 3; i++)
            {
                await (await document.SetAsync($"k{i}", JsonSerializer.SerializeToElement(i))).Acknowledged;
            }
        }

        await using (var raw = await RawSocket.ConnectAsync(server))
        {
            await raw.HelloAsync("raw");
            await raw.ReceiveAsync<WelcomeFrame>();
            await raw.SendAsync(new PushFrame("elsewhere", [new ClientChange("raw", 1, [new RemoveValue("k")])]));
            await raw.ReceiveAsync<RejectFrame>();
        }

        await server.UntilActiveSessionsAsync(0);
        listener.RecordObservableInstruments();
        var seen = measurements.ToArray();
        Assert.Equal(3, seen.Where(m => m.Name == "converge.server.changes").Sum(m => m.Value));
        Assert.Contains(seen, m => m.Name == "converge.server.connections" && m.Value == 1 && m.Tag == "websocket");
        Assert.Equal(0, seen.Where(m => m.Name == "converge.server.connections").Sum(m => m.Value));
        Assert.Contains(seen, m => m.Name == "converge.server.commit.duration" && m.Value >= 0);
        Assert.Contains(seen, m => m.Name == "converge.server.fanout.duration");
        Assert.Contains(seen, m => m.Name == "converge.server.rejections" && m.Tag == ErrorCodes.NotSubscribed);
        Assert.Contains(seen, m => m.Name == "converge.server.authorities" && m.Value >= 1);
    }

    [Fact]
    public async Task The_health_endpoint__reports_healthy_while_the_change_log_answers()
    {
        using var temp = new TempDirectory();
        await using var server = await TestServer.StartAsync(temp.File("c.db"), configureApp: app => app.MapHealthChecks("/healthz"));
        using var http = new HttpClient();
        var response = await http.GetAsync(new Uri($"http://127.0.0.1:{server.Port}/healthz"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }
}
