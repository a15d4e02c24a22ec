namespace Converge.Client.Transports.ServerSentEvents;

/// <summary>What an <see cref="SseItem"/> reports.</summary>
internal enum SseItemKind
{
    /// <summary>A blank line dispatched an event: <see cref="SseItem.Event"/>.</summary>
    Event,

    /// <summary>
    /// A comment line (one starting with <c>:</c>): <see cref="SseItem.Comment"/>. Servers send them as keep-alives,
    /// so a transport treats them as proof of liveness.
    /// </summary>
    Comment,

    /// <summary>A valid <c>retry</c> field set the reconnection time: <see cref="SseItem.ReconnectionTime"/>.</summary>
    Retry,

    /// <summary>
    /// A blank line with an empty data buffer committed a new last event ID without dispatching an event:
    /// <see cref="SseItem.LastEventId"/>. (When an event is dispatched its own <see cref="SseEvent.LastEventId"/>
    /// carries the ID instead, so this kind only reports cursor moves that no event would show.)
    /// </summary>
    LastEventId,
}
