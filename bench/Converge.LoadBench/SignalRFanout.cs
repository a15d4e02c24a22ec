using System.Diagnostics;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Converge.LoadBench;

/// <summary>The peer a .NET developer would pick: an ASP.NET Core SignalR hub broadcasting to a group.</summary>
internal static class SignalRFanout
{
    public sealed class BroadcastHub : Hub
    {
        public Task Join() => Groups.AddToGroupAsync(Context.ConnectionId, "doc");

        public Task Send(long sentAt, string payload) => Clients.Group("doc").SendAsync("m", sentAt, payload);
    }

    public static async Task<FanoutResult> RunAsync(int receivers, int messages, int rate)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSignalR();
        await using var app = builder.Build();
        app.MapHub<BroadcastHub>("/hub");
        await app.StartAsync();
        var url = app.Urls.First() + "/hub";

        var recorder = new LatencyRecorder((long)receivers * messages);
        var connections = new List<HubConnection>();
        for (var i = 0; i < receivers; i++)
        {
            var connection = new HubConnectionBuilder().WithUrl(url, Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets).Build();
            connection.On<long, string>("m", (sentAt, _) => recorder.Delivered(sentAt));
            await connection.StartAsync();
            await connection.InvokeAsync("Join");
            connections.Add(connection);
        }

        await using var sender = new HubConnectionBuilder().WithUrl(url, Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets).Build();
        await sender.StartAsync();
        var payload = new string('x', 48);
        var started = Stopwatch.GetTimestamp();
            var pacer = new SendPacer(rate);
        for (var m = 0; m < messages; m++)
        {
            await pacer.WaitTurnAsync(m);
            await sender.SendAsync("Send", Stopwatch.GetTimestamp(), payload);
        }

        await recorder.Done.WaitAsync(TimeSpan.FromMinutes(3));
        var elapsed = Stopwatch.GetElapsedTime(started);
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }

        return FanoutResult.From("ASP.NET Core SignalR", receivers, messages, elapsed, recorder.Latencies);
    }
}
