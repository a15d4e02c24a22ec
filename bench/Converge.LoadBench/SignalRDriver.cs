using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Converge.LoadBench;

/// <summary>Clients of the SignalR hub: the real <c>Microsoft.AspNetCore.SignalR.Client</c> (WebSockets, JSON hub protocol), each joined to the group.</summary>
internal sealed class SignalRDriver(int port) : ISystemDriver
{
    private readonly string _url = $"http://127.0.0.1:{port}/hub";
    private readonly List<HubConnection> _connections = [];
    private readonly string _payload = new('x', 48);
    private HubConnection? _sender;

    public string Name => "ASP.NET Core SignalR";

    public DeliveryRecorder? Recorder { get; set; }

    public async Task ConnectSenderAsync() => _sender = await ConnectAsync(count: false);

    public async Task ConnectReceiversAsync(int count) =>
        _connections.AddRange(await Connecting.ManyAsync(count, _ => ConnectAsync(count: true)));

    public ValueTask SendAsync(long stamp) => new(_sender!.SendAsync("Send", stamp, _payload));

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await Task.WhenAll(_connections.Append(_sender).OfType<HubConnection>().Select(c => c.DisposeAsync().AsTask())).WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<HubConnection> ConnectAsync(bool count)
    {
        var connection = new HubConnectionBuilder().WithUrl(_url, HttpTransportType.WebSockets).Build();
        connection.On<long, string>("m", (sentAt, _) =>
        {
            if (count)
            {
                Recorder?.Record(sentAt);
            }
        });
        await connection.StartAsync();
        await connection.InvokeAsync("Join");
        return connection;
    }
}
