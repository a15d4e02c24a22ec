using Converge.Protocol.Frames;
using Converge.Server.Sessions;

namespace Converge.Server.Authority;

/// <summary>A request to a document authority; the authority's one reader handles them in arrival order.</summary>
/// <param name="Session">The session that asked; <see langword="null"/> for the authority's own <see cref="Tick"/>.</param>
internal abstract record AuthorityCommand(ServerSession? Session)
{
    public sealed record Subscribe(ServerSession Session, long Since) : AuthorityCommand(Session);

    public sealed record Unsubscribe(ServerSession Session) : AuthorityCommand(Session);

    public sealed record Push(ServerSession Session, PushFrame Frame) : AuthorityCommand(Session);

    /// <summary>The authority's timer: time to check for a due checkpoint, a due truncation, or idleness (passivation).</summary>
    public sealed record Tick() : AuthorityCommand((ServerSession?)null)
    {
        public static Tick Instance { get; } = new();
    }
}
