namespace Converge.Testing;

/// <summary>Finds the repository root and the shared folder beside it, wherever the tests run from.</summary>
public static class RepositoryPaths
{
    /// <summary>The folder that holds Converge.slnx.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>
    /// <c>CONVERGE_SHARED</c> when set; otherwise the <c>shared</c> folder beside the repository (<c>../shared</c>, as CI
    /// checks it out) or beside one of its parents, so a clone made in a subfolder next to it finds it too.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">No shared folder was found: the message says where it was looked for.</exception>
    public static string Shared => SharedFolder.Value;

    // Looked for on first use only: tests that never read the traces must not fail where there is no shared folder.
    private static readonly Lazy<string> SharedFolder = new(FindShared);

    private static string FindShared()
    {
        if (Environment.GetEnvironmentVariable("CONVERGE_SHARED") is { Length: > 0 } overridden)
        {
            return overridden;
        }

        for (var directory = Directory.GetParent(Root); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "traces")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(
            $"No shared folder (with traces/) beside {Root} or any folder above it; clone next to ../shared or set CONVERGE_SHARED.");
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Converge.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"Converge.slnx not found above {AppContext.BaseDirectory}.");
    }
}
