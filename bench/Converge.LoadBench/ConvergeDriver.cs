using System.Text.Json;
using Converge.Model.Documents;
using Converge.Protocol.Frames;

namespace Converge.LoadBench;

/// <summary>
/// Clients of the Converge server: <see cref="ThinConvergeConnection"/>s, all subscribed to one document. A change
/// sets key <c>t</c> to <c>[stamp, 48 × "x"]</c> (about the raw and SignalR payloads' size); it is durable (SQLite WAL,
/// fsync per group commit) before the server fans it out.
/// </summary>
internal sealed class ConvergeDriver(int port) : ISystemDriver
{
    private const string DocumentId = "fanout";
    private static readonly string Payload = new('x', 48);

    private readonly Uri _uri = new($"ws://127.0.0.1:{port}/sync");
    private readonly List<ThinConvergeConnection> _connections = [];
    private ThinConvergeConnection? _sender;

    public string Name => "Converge (durable)";

    public DeliveryRecorder? Recorder { get; set; }

    /// <summary>Receivers the server closed (as slow consumers, 4503, or otherwise).</summary>
    public int Closed => _connections.Count(c => c.CloseStatus is not null);

    public async Task ConnectSenderAsync() => _sender = await ThinConvergeConnection.ConnectAsync(_uri, "bench-sender", DocumentId);

    public async Task ConnectReceiversAsync(int count)
    {
        var offset = _connections.Count;
        _connections.AddRange(await Connecting.ManyAsync(count, async i =>
        {
            var connection = await ThinConvergeConnection.ConnectAsync(_uri, $"bench-receiver-{offset + i}", DocumentId);
            connection.OnChange = Deliver;
            return connection;
        }));
    }

    public ValueTask SendAsync(long stamp) => new(_sender!.PushAsync("t", Value(stamp)).AsTask());

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections.Append(_sender).OfType<ThinConvergeConnection>())
        {
            await connection.DisposeAsync();
        }
    }

    internal static JsonElement Value(long stamp)
    {
        using var document = JsonDocument.Parse($"[{stamp},\"{Payload}\"]");
        return document.RootElement.Clone();
    }

    internal static long Stamp(ServerChange change) =>
        change.Operations is [SetValue { Key: "t" } set, ..] ? set.Value[0].GetInt64() : 0;

    private void Deliver(ServerChange change)
    {
        var stamp = Stamp(change);
        if (stamp != 0)
        {
            Recorder?.Record(stamp);
        }
    }
}
