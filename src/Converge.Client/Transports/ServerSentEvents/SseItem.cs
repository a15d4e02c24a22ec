namespace Converge.Client.Transports.ServerSentEvents;

/// <summary>
/// One thing the parser found in the stream: an event, a comment, a reconnection time, or a cursor move with no event.
/// A struct so that consumers can switch on <see cref="Kind"/> and keep-alives cost no wrapper allocation.
/// </summary>
internal readonly record struct SseItem
{
    private readonly SseEvent? _event;
    private readonly string? _text;
    private readonly TimeSpan _reconnectionTime;

    private SseItem(SseItemKind kind, SseEvent? @event, string? text, TimeSpan reconnectionTime)
    {
        Kind = kind;
        _event = @event;
        _text = text;
        _reconnectionTime = reconnectionTime;
    }

    /// <summary>Which of the other properties is meaningful.</summary>
    public SseItemKind Kind { get; }

    /// <summary>The dispatched event when <see cref="Kind"/> is <see cref="SseItemKind.Event"/>, otherwise null.</summary>
    public SseEvent? Event => Kind == SseItemKind.Event ? _event : null;

    /// <summary>
    /// The comment's text when <see cref="Kind"/> is <see cref="SseItemKind.Comment"/>, otherwise null: everything
    /// after the colon, verbatim (a space after the colon is kept; a bare <c>:</c> gives the empty string).
    /// </summary>
    public string? Comment => Kind == SseItemKind.Comment ? _text : null;

    /// <summary>The new last event ID when <see cref="Kind"/> is <see cref="SseItemKind.LastEventId"/>, otherwise null.</summary>
    public string? LastEventId => Kind == SseItemKind.LastEventId ? _text : null;

    /// <summary>
    /// The reconnection time the server asked for when <see cref="Kind"/> is <see cref="SseItemKind.Retry"/>, otherwise
    /// null. Absurdly large values saturate at <see cref="TimeSpan.MaxValue"/>; a transport caps it to its own limits.
    /// </summary>
    public TimeSpan? ReconnectionTime => Kind == SseItemKind.Retry ? _reconnectionTime : null;

    /// <summary>An item for a dispatched event.</summary>
    public static SseItem ForEvent(SseEvent @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return new(SseItemKind.Event, @event, null, default);
    }

    /// <summary>An item for a comment line.</summary>
    public static SseItem ForComment(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new(SseItemKind.Comment, null, text, default);
    }

    /// <summary>An item for a valid <c>retry</c> field.</summary>
    public static SseItem ForRetry(TimeSpan reconnectionTime) => new(SseItemKind.Retry, null, null, reconnectionTime);

    /// <summary>An item for a last event ID committed by a blank line that dispatched no event.</summary>
    public static SseItem ForLastEventId(string lastEventId)
    {
        ArgumentNullException.ThrowIfNull(lastEventId);
        return new(SseItemKind.LastEventId, null, lastEventId, default);
    }

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        SseItemKind.Event => $"Event {_event}",
        SseItemKind.Comment => $"Comment \"{_text}\"",
        SseItemKind.Retry => $"Retry {_reconnectionTime}",
        _ => $"LastEventId \"{_text}\"",
    };
}
