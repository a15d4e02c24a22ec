using System.Security.Cryptography;

namespace Converge.Model.Documents;

/// <summary>The rules for set elements and their unique tags (see <see cref="AddToSet"/>).</summary>
public static class SetTags
{
    /// <summary>The longest tag accepted.</summary>
    public const int MaxTagLength = 64;

    /// <summary>The most tags one removal may list.</summary>
    public const int MaxTagsPerRemove = 1024;

    /// <summary>A fresh tag: 96 random bits, so tags of different clients (or of one client across restarts) never collide in practice.</summary>
    /// <returns>A 16-character tag.</returns>
    public static string NewTag() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(12)).Replace('+', '-').Replace('/', '_');

    internal static string? ValidateElement(string key, string element) =>
        string.IsNullOrEmpty(element) || element.Length > DocumentOperation.MaxKeyLength
            ? $"A set element of '{key}' must be 1 to {DocumentOperation.MaxKeyLength} characters."
            : null;

    internal static string? ValidateTag(string key, string tag) =>
        string.IsNullOrEmpty(tag) || tag.Length > MaxTagLength
            ? $"A set tag of '{key}' must be 1 to {MaxTagLength} characters."
            : null;
}
