namespace Converge.Client.Transports.ServerSentEvents;

/// <summary>
/// One event dispatched by <see cref="SseEventParser"/>: what the WHATWG "dispatch the event" steps
/// (HTML §9.2.6) hand to a <c>MessageEvent</c>, minus the origin.
/// </summary>
/// <param name="Type">The <c>event</c> field, or <see cref="DefaultType"/> when the block had none (or an empty one).</param>
/// <param name="Data">The <c>data</c> lines joined with LF, without the final LF.</param>
/// <param name="LastEventId">
/// The stream's last event ID when this event was dispatched. It persists across events: an event without an
/// <c>id</c> line carries the previous one. This is the resume cursor a reconnect sends as <c>Last-Event-ID</c>.
/// </param>
internal sealed record SseEvent(string Type, string Data, string LastEventId)
{
    /// <summary>The type of an event whose block set none, as <c>EventSource</c> uses.</summary>
    public const string DefaultType = "message";
}
