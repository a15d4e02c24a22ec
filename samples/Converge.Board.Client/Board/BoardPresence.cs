using System.Text.Json;
using Converge.Client.Presence;

namespace Converge.Board.Client.Board;

/// <summary>Reading the board's presence metadata (<c>{"name":"…","color":"#…"}</c>, set per tab).</summary>
public static class BoardPresence
{
    /// <summary>A string property of the user's metadata, or <see langword="null"/>.</summary>
    public static string? Text(PresenceUser user, string property)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.Metadata.ValueKind == JsonValueKind.Object && user.Metadata.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
    }
}
