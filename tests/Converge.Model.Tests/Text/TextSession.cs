using Converge.Model.Clocks;
using Converge.Model.Text;

namespace Converge.Model.Tests.Text;

/// <summary>
/// A seeded simulation of replicas editing one text concurrently over an unreliable network: operations are delivered
/// late, out of causal order (or in it), and more than once.
/// </summary>
internal sealed class TextSession
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz 🙂é\n";

    private readonly Random _random;
    private readonly bool _causal;
    private readonly List<TextOperation> _log = [];
    private readonly List<int>[] _undelivered;

    public TextSession(int replicas, int seed, bool causal)
    {
        _random = new Random(seed);
        _causal = causal;
        Replicas = Enumerable.Range(0, replicas).Select(static i => new CrdtText("r" + (char)('a' + i))).ToArray();
        _undelivered = Enumerable.Range(0, replicas).Select(static _ => new List<int>()).ToArray();
    }

    public CrdtText[] Replicas { get; }

    public IReadOnlyList<TextOperation> Log => _log;

    public Random Random => _random;

    /// <summary>One random local edit at replica <paramref name="r"/>.</summary>
    public void Edit(int r)
    {
        var text = Replicas[r];
        TextOperation? operation;
        if (text.Length > 0 && _random.Next(3) == 0)
        {
            var index = _random.Next(text.Length);
            operation = text.Delete(index, 1 + _random.Next(Math.Min(4, text.Length - index)));
        }
        else
        {
            var chars = new System.Text.StringBuilder();
            var runes = Alphabet.EnumerateRunes().ToArray();
            for (var n = 1 + _random.Next(4); n > 0; n--)
            {
                chars.Append(runes[_random.Next(runes.Length)].ToString());
            }

            operation = text.Insert(_random.Next(text.Length + 1), chars.ToString());
        }

        Broadcast(r, operation!);
    }

    public void Broadcast(int from, TextOperation operation)
    {
        _log.Add(operation);
        for (var i = 0; i < Replicas.Length; i++)
        {
            if (i != from)
            {
                _undelivered[i].Add(_log.Count - 1);
            }
        }
    }

    /// <summary>Delivers one undelivered (or, sometimes, an already delivered) operation to replica <paramref name="r"/>.</summary>
    public void DeliverOne(int r)
    {
        var queue = _undelivered[r];
        if (_log.Count > 0 && _random.Next(8) == 0)
        {
            Replicas[r].Integrate(_log[_random.Next(_log.Count)]);
        }

        if (queue.Count == 0)
        {
            return;
        }

        var pick = _causal ? 0 : _random.Next(queue.Count);
        var index = queue[pick];
        queue.RemoveAt(pick);
        Replicas[r].Integrate(_log[index]);
    }

    public void DeliverAll()
    {
        for (var r = 0; r < Replicas.Length; r++)
        {
            while (_undelivered[r].Count > 0)
            {
                DeliverOne(r);
            }
        }
    }

    /// <summary>Runs <paramref name="steps"/> random edits and deliveries.</summary>
    public void Run(int steps, Action<int>? onStep = null)
    {
        for (var step = 0; step < steps; step++)
        {
            var r = _random.Next(Replicas.Length);
            if (_random.Next(2) == 0)
            {
                Edit(r);
            }
            else
            {
                DeliverOne(r);
            }

            onStep?.Invoke(step);
        }
    }

    public VersionVector Meet() => Replicas.Skip(1).Aggregate(Replicas[0].Version, static (v, t) => v.Meet(t.Version));

    public VersionVector Join() => Replicas.Skip(1).Aggregate(Replicas[0].Version, static (v, t) => v.Merge(t.Version));

    public void AssertConverged()
    {
        var expected = Replicas[0].ToString();
        foreach (var replica in Replicas)
        {
            Assert.Equal(0, replica.PendingCount);
            Assert.Equal(expected, replica.ToString());
            Assert.Equal(Replicas[0].Version, replica.Version);
        }
    }
}
