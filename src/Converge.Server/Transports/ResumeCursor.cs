using System.Globalization;
using System.Text;

namespace Converge.Server.Transports;

/// <summary>
/// The SSE <c>id:</c> value: every document's cursor as <c>doc=seq&amp;doc=seq</c> (ids URL-escaped). A browser's
/// native EventSource sends the last one back as <c>Last-Event-ID</c> when it reconnects, so the server resumes
/// each document where the stream left off, even though the reconnect URL still carries the old hello.
/// </summary>
internal sealed class ResumeCursor
{
    private const int MaxDocuments = 1024;
    private readonly SortedDictionary<string, long> _cursors = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, long> Cursors => _cursors;

    /// <summary>Raises a document's cursor; returns whether it moved.</summary>
    public bool Advance(string documentId, long sequence)
    {
        if (_cursors.TryGetValue(documentId, out var current) && current >= sequence)
        {
            return false;
        }

        _cursors[documentId] = sequence;
        return true;
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var (document, sequence) in _cursors)
        {
            if (text.Length > 0)
            {
                text.Append('&');
            }

            text.Append(Uri.EscapeDataString(document)).Append('=').Append(sequence.ToString(CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }

    /// <summary>Parses a Last-Event-ID; null when it is not one of ours (then the hello's cursors stand).</summary>
    public static ResumeCursor? TryParse(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 256 * 1024)
        {
            return null;
        }

        var cursor = new ResumeCursor();
        foreach (var pair in value.Split('&'))
        {
            var equals = pair.LastIndexOf('=');
            if (equals <= 0 || cursor._cursors.Count == MaxDocuments
                || !long.TryParse(pair.AsSpan(equals + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
            {
                return null;
            }

            string document;
            try
            {
                document = Uri.UnescapeDataString(pair[..equals]);
            }
            catch (UriFormatException)
            {
                return null;
            }

            cursor._cursors[document] = sequence;
        }

        return cursor;
    }
}
