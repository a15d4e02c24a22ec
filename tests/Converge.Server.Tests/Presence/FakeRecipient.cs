using Converge.Protocol.Frames;
using Converge.Server.Presence;

namespace Converge.Server.Tests.Presence;

/// <summary>A room member that records what it is sent, and can be made busy (a queue with no room for presence).</summary>
internal sealed class FakeRecipient(string sessionId) : IPresenceRecipient
{
    private readonly List<Frame> _frames = [];

    public string SessionId { get; } = sessionId;

    public bool Busy { get; set; }

    public IReadOnlyList<Frame> Frames => _frames;

    /// <summary>The room as this member sees it, built from its frames only, and every join and leave it saw.</summary>
    public PresenceView View { get; } = new();

    public bool TryDeliver(Frame frame)
    {
        if (Busy)
        {
            return false;
        }

        _frames.Add(frame);
        View.Apply(frame);
        return true;
    }

    public void Clear() => _frames.Clear();
}
