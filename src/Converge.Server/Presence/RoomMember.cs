namespace Converge.Server.Presence;

/// <summary>A session that joined a room and receives its presence: what it has been sent so far. Touched only under the room's lock.</summary>
internal sealed class RoomMember(IPresenceRecipient recipient)
{
    public IPresenceRecipient Recipient { get; } = recipient;

    /// <summary>The room version this member's view is up to date with.</summary>
    public long Delivered { get; set; }

    /// <summary>The member's view must be replaced whole (it just joined, or fell too far behind for a diff).</summary>
    public bool NeedsFull { get; set; } = true;

    /// <summary>Whether the member's view is the aggregated one, and the counts it shows.</summary>
    public bool Aggregated { get; set; }

    public int Users { get; set; }

    public int Connections { get; set; }
}
