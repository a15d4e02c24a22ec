using System.Text.Json;

namespace Converge.Protocol.Frames;

/// <summary>
/// Client → server: this connection is present in a document, with the user's metadata. Also how a client
/// re-announces itself after a reconnect: the server recognises the connection (same user, same client id) and
/// resumes its entry without a leave or a join. Answered with a <see cref="PresenceSnapshotFrame"/> (or a
/// <see cref="PresenceRejectedFrame"/>). Needs read access to the document; never touches the document itself.
/// </summary>
/// <param name="DocumentId">The document.</param>
/// <param name="Metadata">The user's metadata: a JSON object (name, colour, avatar…).</param>
/// <param name="Cursor">The connection's cursor, when it already has one (a re-announce carries it).</param>
public sealed record PresenceJoinFrame(string DocumentId, JsonElement Metadata, PresenceCursor? Cursor = null) : Frame
{
    internal override string? Validate() => FrameRules.DocumentId(DocumentId) ?? PresenceRules.Metadata(Metadata) ?? PresenceRules.Cursor(Cursor);
}
