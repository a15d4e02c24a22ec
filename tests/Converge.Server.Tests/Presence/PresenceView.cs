using Converge.Protocol.Frames;

namespace Converge.Server.Tests.Presence;

/// <summary>What a client would make of presence frames: the users it shows, and the joins and leaves it would announce.</summary>
internal sealed class PresenceView
{
    public Dictionary<string, PresenceUserState> Users { get; } = new(StringComparer.Ordinal);

    public List<string> Joined { get; } = [];

    public List<string> Left { get; } = [];

    public int UserCount { get; private set; }

    public int ConnectionCount { get; private set; }

    public bool Aggregated { get; private set; }

    public void Apply(Frame frame)
    {
        switch (frame)
        {
            case PresenceSnapshotFrame snapshot:
                Aggregated = snapshot.Aggregated;
                if (!snapshot.Aggregated)
                {
                    foreach (var gone in Users.Keys.Except(snapshot.Users.Select(u => u.UserId)).ToArray())
                    {
                        Users.Remove(gone);
                        Left.Add(gone);
                    }

                    foreach (var user in snapshot.Users)
                    {
                        Upsert(user);
                    }
                }

                (UserCount, ConnectionCount) = (snapshot.UserCount, snapshot.ConnectionCount);
                break;
            case PresenceDiffFrame diff:
                foreach (var user in diff.Changed)
                {
                    Upsert(user);
                }

                foreach (var gone in diff.Left)
                {
                    if (Users.Remove(gone))
                    {
                        Left.Add(gone);
                    }
                }

                (UserCount, ConnectionCount) = (diff.UserCount, diff.ConnectionCount);
                break;
        }
    }

    private void Upsert(PresenceUserState user)
    {
        if (!Users.ContainsKey(user.UserId))
        {
            Joined.Add(user.UserId);
        }

        Users[user.UserId] = user;
    }
}
