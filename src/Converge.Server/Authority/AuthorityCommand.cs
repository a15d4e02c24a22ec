using Converge.Protocol.Frames;
using Converge.Server.Sessions;

namespace Converge.Server.Authority;

/// <summary>A request to a document authority; the authority's one reader handles them in arrival order.</summary>
internal abstract record AuthorityCommand(ServerSession Session)
{
    public sealed record Subscribe(ServerSession Session, long Since) : AuthorityCommand(Session);

    public sealed record Unsubscribe(ServerSession Session) : AuthorityCommand(Session);

    public sealed record Push(ServerSession Session, PushFrame Frame) : AuthorityCommand(Session);
}
