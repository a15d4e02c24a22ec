using System.Text.Json;

namespace Converge.Protocol.Frames;

/// <summary>
/// Client → server: a change to this connection's presence in a document it has joined. Absent members stay as they
/// were; at least one is present. Cursor updates are throttled by the client and coalesced by the server, latest wins.
/// </summary>
/// <param name="DocumentId">The document.</param>
/// <param name="Metadata">New metadata for the user (a JSON object), or <see langword="null"/> to keep it.</param>
/// <param name="Cursor">The connection's whole new cursor (an empty cursor clears it), or <see langword="null"/> to keep it.</param>
/// <param name="Typing">Whether the connection is typing, or <see langword="null"/> to keep it. The server clears
/// <see langword="true"/> by itself after its typing timeout unless it is sent again.</param>
public sealed record PresenceUpdateFrame(string DocumentId, JsonElement? Metadata = null, PresenceCursor? Cursor = null, bool? Typing = null) : Frame
{
    internal override string? Validate() =>
        FrameRules.DocumentId(DocumentId)
        ?? (Metadata is { } metadata ? PresenceRules.Metadata(metadata) : null)
        ?? PresenceRules.Cursor(Cursor)
        ?? (Metadata is null && Cursor is null && Typing is null ? "presenceUpdate must carry metadata, cursor or typing." : null);
}
