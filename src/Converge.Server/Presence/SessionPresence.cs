namespace Converge.Server.Presence;

/// <summary>The documents one session is present in. Its receive loop adds and removes; its end takes them all.</summary>
internal sealed class SessionPresence(SessionRecipient recipient)
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _documents = new(StringComparer.Ordinal);

    public SessionRecipient Recipient { get; } = recipient;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _documents.Count;
            }
        }
    }

    public bool Contains(string documentId)
    {
        lock (_gate)
        {
            return _documents.Contains(documentId);
        }
    }

    public void Add(string documentId)
    {
        lock (_gate)
        {
            _documents.Add(documentId);
        }
    }

    public bool Remove(string documentId)
    {
        lock (_gate)
        {
            return _documents.Remove(documentId);
        }
    }

    public string[] TakeAll()
    {
        lock (_gate)
        {
            var all = _documents.ToArray();
            _documents.Clear();
            return all;
        }
    }
}
