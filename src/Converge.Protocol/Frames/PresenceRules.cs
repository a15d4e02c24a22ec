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
        metadata.ValueKind != JsonValueKind.Object ? $"metadata must be a JSON object, not {metadata.ValueKind}." : Value(metadata, "metadata");

    public static string? Cursor(PresenceCursor? cursor) =>
        cursor is null ? null : Value(cursor.Position, "a cursor's position") ?? Value(cursor.Selection, "a cursor's selection");

    private static string? Value(JsonElement? value, string name)
    {
        if (value is not { } element)
        {
            return null;
        }

        try
        {
            return Depth(element) > MaxValueDepth ? $"{name} nests deeper than {MaxValueDepth} levels." : null;
        }
        catch (InvalidOperationException)
        {
            // Invalid UTF-8, or an escaped lone surrogate: text that could not be relayed to a client on either codec.
            return $"{name} holds text that is not well-formed Unicode.";
        }
    }

    // Reads every name and string on the way, so that malformed text is found here, where it enters. Values reach
    // here already parsed within the codecs' 64 levels, so the recursion is bounded.
    private static int Depth(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var deepest = 0;
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    deepest = Math.Max(deepest, Depth(property.Value));
                }

                return deepest + 1;
            case JsonValueKind.Array:
                var deepestItem = 0;
                foreach (var item in element.EnumerateArray())
                {
                    deepestItem = Math.Max(deepestItem, Depth(item));
                }

                return deepestItem + 1;
            case JsonValueKind.String:
                _ = element.GetString();
                return 0;
            default:
                return 0;
        }
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
