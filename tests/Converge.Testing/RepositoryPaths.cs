namespace Converge.Testing;

/// <summary>Finds the repository root and the shared folder beside it, wherever the tests run from.</summary>
public static class RepositoryPaths
{
    /// <summary>The folder that holds Converge.slnx.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The shared folder beside the repository (<c>../shared</c>), or <c>CONVERGE_SHARED</c> when set.</summary>
    public static string Shared =>
        Environment.GetEnvironmentVariable("CONVERGE_SHARED") is { Length: > 0 } overridden
            ? overridden
            : Path.GetFullPath(Path.Combine(Root, "..", "shared"));

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
