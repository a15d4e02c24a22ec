namespace Converge.Model.Text;

/// <summary>
/// Received operations that wait for a dependency, by author and sequence. Only an author's next operation can
/// become ready, so draining looks at one candidate per author instead of rescanning the whole buffer.
/// </summary>
internal sealed class PendingOperations
{
    private readonly Dictionary<string, Dictionary<long, TextOperation>> _byAuthor = new(StringComparer.Ordinal);

    public int Count { get; private set; }

    public IEnumerable<TextOperation> All => _byAuthor.Values.SelectMany(static operations => operations.Values);

    /// <summary>Buffers <paramref name="operation"/>; false when an operation with its author and sequence already waits.</summary>
    public bool Add(TextOperation operation)
    {
        if (!_byAuthor.TryGetValue(operation.Replica, out var operations))
        {
            _byAuthor.Add(operation.Replica, operations = []);
        }

        if (!operations.TryAdd(operation.Sequence, operation))
        {
            return false;
        }

        Count++;
        return true;
    }

    public void Remove(string author, long sequence)
    {
        if (_byAuthor.TryGetValue(author, out var operations) && operations.Remove(sequence))
        {
            Count--;
            if (operations.Count == 0)
            {
                _byAuthor.Remove(author);
            }
        }
    }

    /// <summary>For each author with buffered operations, the one with sequence <c>integrated(author) + 1</c>, if buffered.</summary>
    public List<TextOperation> NextOfEachAuthor(Func<string, long> integrated)
    {
        var next = new List<TextOperation>();
        foreach (var (author, operations) in _byAuthor)
        {
            if (operations.TryGetValue(integrated(author) + 1, out var operation))
            {
                next.Add(operation);
            }
        }

        return next;
    }
}
