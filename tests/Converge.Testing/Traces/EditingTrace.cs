using System.IO.Compression;
using System.Text.Json;

namespace Converge.Testing.Traces;

/// <summary>
/// A real editing history from shared/traces (format in shared/traces/README.md): apply every patch of every
/// transaction in order to <see cref="StartContent"/> and the result is <see cref="EndContent"/>.
/// </summary>
public sealed class EditingTrace
{
    private EditingTrace(string name, string startContent, string endContent, IReadOnlyList<IReadOnlyList<TracePatch>> transactions)
    {
        Name = name;
        StartContent = startContent;
        EndContent = endContent;
        Transactions = transactions;
    }

    /// <summary>The trace's file name without extensions, e.g. <c>automerge-paper</c>.</summary>
    public string Name { get; }

    /// <summary>The document before the first patch.</summary>
    public string StartContent { get; }

    /// <summary>The document after the last patch.</summary>
    public string EndContent { get; }

    /// <summary>Transactions in order; patches within one are in the order they must be applied.</summary>
    public IReadOnlyList<IReadOnlyList<TracePatch>> Transactions { get; }

    /// <summary>Every patch, in application order.</summary>
    public IEnumerable<TracePatch> Patches => Transactions.SelectMany(static t => t);

    /// <summary>The names of every trace in shared/traces.</summary>
    public static IReadOnlyList<string> AvailableNames() =>
        Directory.GetFiles(Path.Combine(RepositoryPaths.Shared, "traces"), "*.json.gz")
            .Select(static p => Path.GetFileName(p)[..^".json.gz".Length])
            .Order(StringComparer.Ordinal)
            .ToArray();

    /// <summary>Loads shared/traces/<paramref name="name"/>.json.gz.</summary>
    /// <param name="name">The trace name, e.g. <c>automerge-paper</c>.</param>
    public static EditingTrace Load(string name)
    {
        var path = Path.Combine(RepositoryPaths.Shared, "traces", name + ".json.gz");
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var document = JsonDocument.Parse(gzip);
        var root = document.RootElement;
        var transactions = new List<IReadOnlyList<TracePatch>>();
        foreach (var txn in root.GetProperty("txns").EnumerateArray())
        {
            var patches = new List<TracePatch>();
            foreach (var patch in txn.GetProperty("patches").EnumerateArray())
            {
                // Positions count Unicode code points; TracePatch keeps them as given (see ToUtf16 below).
                patches.Add(new TracePatch(patch[0].GetInt32(), patch[1].GetInt32(), patch[2].GetString() ?? string.Empty));
            }

            transactions.Add(patches);
        }

        return new EditingTrace(name, root.GetProperty("startContent").GetString() ?? string.Empty,
            root.GetProperty("endContent").GetString() ?? string.Empty, transactions);
    }
}
