using Converge.Model.Documents;

namespace Converge.Protocol.Frames;

/// <summary>Field rules shared by several frames, so every frame states them the same way.</summary>
internal static class FrameRules
{
    public static string? DocumentId(string? documentId)
    {
        if (string.IsNullOrEmpty(documentId))
        {
            return "documentId must not be empty.";
        }

        if (documentId.Length > ConvergeProtocol.MaxDocumentIdLength)
        {
            return $"documentId is {documentId.Length} characters long; the limit is {ConvergeProtocol.MaxDocumentIdLength}.";
        }

        foreach (var c in documentId)
        {
            if (char.IsControl(c))
            {
                return "documentId must not contain control characters.";
            }
        }

        return null;
    }

    public static string? ClientId(string? clientId)
    {
        if (string.IsNullOrEmpty(clientId))
        {
            return "clientId must not be empty.";
        }

        return clientId.Length > ConvergeProtocol.MaxClientIdLength
            ? $"clientId is {clientId.Length} characters long; the limit is {ConvergeProtocol.MaxClientIdLength}."
            : null;
    }

    public static string? NonNegative(long value, string name) => value < 0 ? $"{name} must not be negative." : null;

    public static string? Positive(long value, string name) => value < 1 ? $"{name} must be at least 1." : null;

    public static string? Operations(IReadOnlyList<DocumentOperation>? operations, bool allowEmpty)
    {
        if (operations is null)
        {
            return "operations must be present.";
        }

        if (operations.Count == 0 && !allowEmpty)
        {
            return "operations must not be empty.";
        }

        foreach (var operation in operations)
        {
            if (operation is null)
            {
                return "operations must not contain null.";
            }

            if (operation.Validate() is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    public static string? List<T>(IReadOnlyList<T>? items, string name, Func<T, string?> rule)
    {
        if (items is null)
        {
            return $"{name} must be present.";
        }

        if (items.Count == 0)
        {
            return $"{name} must not be empty.";
        }

        foreach (var item in items)
        {
            if (item is null)
            {
                return $"{name} must not contain null.";
            }

            if (rule(item) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }
}
