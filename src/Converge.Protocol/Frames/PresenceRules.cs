using System.Text.Json;

namespace Converge.Protocol.Frames;

/// <summary>Field rules of the presence frames (docs/protocol.md §4.13), stated once.</summary>
internal static class PresenceRules
{
    /// <summary>
    /// How deep metadata and cursors may nest. Well under the codecs' 64 levels for a whole frame, so a value accepted
    /// from one client still fits when the server relays it, wrapped in a snapshot, to a client on the other codec.
    /// </summary>
    public const int MaxValueDepth = 32;

    public static string? UserId(string? userId)
    {
        if (string.IsNullOrEmpty(userId))
        {
            return "userId must not be empty.";
        }

        return userId.Length > PresenceUserState.MaxUserIdLength
            ? $"userId is {userId.Length} characters long; the limit is {PresenceUserState.MaxUserIdLength}."
            : null;
    }

    public static string? Metadata(JsonElement metadata) =>
        metadata.ValueKind != JsonValueKind.Object ? $"metadata must be a JSON object, not {metadata.ValueKind}."
        : Depth(metadata) > MaxValueDepth ? $"metadata nests deeper than {MaxValueDepth} levels."
        : null;

    public static string? Cursor(PresenceCursor? cursor) =>
        cursor is not null && Math.Max(Depth(cursor.Position), Depth(cursor.Selection)) > MaxValueDepth
            ? $"a cursor nests deeper than {MaxValueDepth} levels."
            : null;

    // Values reach here already parsed within the codecs' 64 levels, so the recursion is bounded.
    private static int Depth(JsonElement? value)
    {
        if (value is not { } element)
        {
            return 0;
        }

        return element.ValueKind switch
        {
            JsonValueKind.Object => 1 + element.EnumerateObject().Select(static p => Depth(p.Value)).DefaultIfEmpty(0).Max(),
            JsonValueKind.Array => 1 + element.EnumerateArray().Select(static v => Depth(v)).DefaultIfEmpty(0).Max(),
            _ => 0,
        };
    }

    public static string? Users(IReadOnlyList<PresenceUserState>? users, bool allowEmpty)
    {
        if (users is null)
        {
            return "users must be present.";
        }

        if (users.Count == 0)
        {
            return allowEmpty ? null : "users must not be empty.";
        }

        return FrameRules.List(users, "users", static u => u.Validate()) ?? Unique(users, static u => u.UserId, "userId");
    }

    public static string? Left(IReadOnlyList<string>? left, IReadOnlyList<PresenceUserState> changed)
    {
        if (left is null)
        {
            return "left must be present.";
        }

        foreach (var userId in left)
        {
            if (UserId(userId) is { } problem)
            {
                return problem;
            }
        }

        // A user both changed and gone would mean two things at once.
        return Unique(left, static id => id, "left userId")
            ?? (left.Intersect(changed.Select(static u => u.UserId), StringComparer.Ordinal).Any() ? "a user cannot both change and leave in one diff." : null);
    }

    public static string? Counts(int userCount, int connectionCount, IReadOnlyList<PresenceUserState> users)
    {
        if (userCount < 0 || connectionCount < 0)
        {
            return "userCount and connectionCount must not be negative.";
        }

        return connectionCount < userCount || users.Count > userCount
            ? "every present user has a connection, and no frame lists more users than are present."
            : null;
    }

    public static string? Unique<T>(IReadOnlyList<T> items, Func<T, string> key, string name)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (!seen.Add(key(item)))
            {
                return $"{name} '{Truncate(key(item))}' appears twice.";
            }
        }

        return null;
    }

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
