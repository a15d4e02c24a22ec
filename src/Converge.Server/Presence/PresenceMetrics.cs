using System.Diagnostics.Metrics;
using Converge.Protocol.Frames;

namespace Converge.Server.Presence;

/// <summary>Presence's instruments on the server's <c>Converge.Server</c> meter (<c>converge.server.presence.*</c>).</summary>
internal sealed class PresenceMetrics
{
    private readonly Counter<long> _frames;
    private readonly Counter<long> _deferred;
    private readonly Counter<long> _expired;
    private readonly Counter<long> _rejected;

    public PresenceMetrics(Meter meter, Func<int> rooms, Func<int> connections)
    {
        meter.CreateObservableGauge("converge.server.presence.rooms", rooms, "{document}", "Documents with anyone present.");
        meter.CreateObservableGauge("converge.server.presence.connections", connections, "{connection}", "Present connections, live or awaiting their timeout.");
        _frames = meter.CreateCounter<long>("converge.server.presence.frames", "{frame}", "Presence frames queued for sessions, by kind (snapshot, diff, aggregate).");
        _deferred = meter.CreateCounter<long>("converge.server.presence.deferred", "{frame}", "Presence deliveries held back, coalesced, because a session's queue was busy.");
        _expired = meter.CreateCounter<long>("converge.server.presence.expired", "{connection}", "Connections removed by the presence timeout (no goodbye).");
        _rejected = meter.CreateCounter<long>("converge.server.presence.rejected", "{frame}", "Presence joins and updates refused, by code.");
    }

    public void Sent(Frame frame) => _frames.Add(1, new KeyValuePair<string, object?>("kind", frame switch
    {
        PresenceSnapshotFrame { Aggregated: true } => "aggregate",
        PresenceSnapshotFrame => "snapshot",
        _ => "diff",
    }));

    public void Deferred() => _deferred.Add(1);

    public void Expired() => _expired.Add(1);

    public void Rejected(string code) => _rejected.Add(1, new KeyValuePair<string, object?>("code", code));
}
