using System.Reflection;
using System.Xml.Linq;
using Converge.Client;
using Converge.Model.Documents;
using Converge.Protocol.Codecs;
using Converge.Testing;

namespace Converge.IntegrationTests.Architecture;

/// <summary>
/// Dependencies run one way: Model ← Protocol ← Client and Model ← Protocol ← Server. The client and the server never
/// reference each other; the only project that may use both is an application on top of them, the <c>converge</c> CLI
/// (Converge.Cli), and no library references it.
/// </summary>
public sealed class DependencyDirectionTests
{
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Converge.Model"] = [],
        ["Converge.Protocol"] = ["Converge.Model"],
        ["Converge.Client"] = ["Converge.Model", "Converge.Protocol"],
        ["Converge.Server"] = ["Converge.Model", "Converge.Protocol"],
        ["Converge.Cli"] = ["Converge.Model", "Converge.Protocol", "Converge.Client", "Converge.Server"],
    };

    // The applications among the src projects: they may stand on both sides; nothing may stand on them.
    private static readonly string[] Applications = ["Converge.Cli"];

    public static TheoryData<string> Layers() => new(Allowed.Keys);

    [Theory]
    [MemberData(nameof(Layers))]
    public void A_layers_assembly__references_only_the_layers_below_it(string layer)
    {
        var references = layer switch
        {
            "Converge.Model" => typeof(JsonMap).Assembly.GetReferencedAssemblies().Select(static a => a.Name!),
            "Converge.Protocol" => typeof(JsonFrameCodec).Assembly.GetReferencedAssemblies().Select(static a => a.Name!),
            "Converge.Client" => typeof(ConvergeClient).Assembly.GetReferencedAssemblies().Select(static a => a.Name!),
            "Converge.Server" => typeof(Converge.Server.ConvergeServerOptions).Assembly.GetReferencedAssemblies().Select(static a => a.Name!),
            // Built for these tests but not referenced by them (an executable): read its metadata from the file.
            _ => ReferencedAssemblies(Cli.CliProcess.CliPath),
        };

        var converge = references
            .Where(static n => n.StartsWith("Converge.", StringComparison.Ordinal))
            .ToArray();

        Assert.All(converge, name => Assert.Contains(name, Allowed[layer]));
    }

    // Assembly references only show what the compiler kept; the project files show what a layer may use at all.
    [Theory]
    [MemberData(nameof(Layers))]
    public void A_layers_project__references_only_the_layers_below_it(string layer)
    {
        var project = XDocument.Load(Path.Combine(RepositoryPaths.Root, "src", layer, layer + ".csproj"));
        var references = project.Descendants("ProjectReference")
            .Select(static r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value))
            .ToArray();

        Assert.All(references, name => Assert.Contains(name, Allowed[layer]));
    }

    [Fact]
    public void Only_an_application__references_both_the_client_and_the_server_and_nothing_references_an_application()
    {
        foreach (var project in Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "src"), "*.csproj", SearchOption.AllDirectories))
        {
            var name = Path.GetFileNameWithoutExtension(project);
            var document = XDocument.Load(project);
            var references = document.Descendants("ProjectReference")
                .Select(static r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value))
                .ToArray();
            Assert.True(Allowed.ContainsKey(name), $"{name} is a new src project: give it a place in {nameof(DependencyDirectionTests)}.");
            Assert.DoesNotContain(references, Applications.Contains);
            if (references.Contains("Converge.Client") && references.Contains("Converge.Server"))
            {
                Assert.Contains(name, Applications);
                Assert.Equal("Exe", document.Descendants("OutputType").Single().Value);
            }
        }

        // The CLI is exactly that: it does use both.
        Assert.Contains("Converge.Client", ReferencedAssemblies(Cli.CliProcess.CliPath));
        Assert.Contains("Converge.Server", ReferencedAssemblies(Cli.CliProcess.CliPath));
    }

    [Fact]
    public void The_client_and_the_server__never_reference_each_other()
    {
        Assert.DoesNotContain(typeof(ConvergeClient).Assembly.GetReferencedAssemblies(), a => a.Name == "Converge.Server");
        Assert.DoesNotContain(typeof(Converge.Server.ConvergeServerOptions).Assembly.GetReferencedAssemblies(), a => a.Name == "Converge.Client");
        Assert.Null(Type.GetType("Converge.Server.ConvergeServerOptions, Converge.Client"));
        _ = Assembly.GetExecutingAssembly();
    }

    private static IEnumerable<string> ReferencedAssemblies(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
        var metadata = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);
        return metadata.AssemblyReferences.Select(h => metadata.GetString(metadata.GetAssemblyReference(h).Name)).ToArray();
    }
}
