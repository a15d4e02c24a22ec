using System.Reflection;
using System.Xml.Linq;
using Converge.Client;
using Converge.Model.Documents;
using Converge.Protocol.Codecs;
using Converge.Testing;

namespace Converge.IntegrationTests.Architecture;

/// <summary>Dependencies run one way: Model ← Protocol ← Client and Model ← Protocol ← Server.</summary>
public sealed class DependencyDirectionTests
{
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Converge.Model"] = [],
        ["Converge.Protocol"] = ["Converge.Model"],
        ["Converge.Client"] = ["Converge.Model", "Converge.Protocol"],
        ["Converge.Server"] = ["Converge.Model", "Converge.Protocol"],
    };

    public static TheoryData<string> Layers() => new(Allowed.Keys);

    [Theory]
    [MemberData(nameof(Layers))]
    public void A_layers_assembly__references_only_the_layers_below_it(string layer)
    {
        var assembly = layer switch
        {
            "Converge.Model" => typeof(JsonMap).Assembly,
            "Converge.Protocol" => typeof(JsonFrameCodec).Assembly,
            "Converge.Client" => typeof(ConvergeClient).Assembly,
            _ => typeof(Converge.Server.ConvergeServerOptions).Assembly,
        };

        var converge = assembly.GetReferencedAssemblies()
            .Select(static a => a.Name!)
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
    public void The_client_and_the_server__never_reference_each_other()
    {
        Assert.DoesNotContain(typeof(ConvergeClient).Assembly.GetReferencedAssemblies(), a => a.Name == "Converge.Server");
        Assert.DoesNotContain(typeof(Converge.Server.ConvergeServerOptions).Assembly.GetReferencedAssemblies(), a => a.Name == "Converge.Client");
        Assert.Null(Type.GetType("Converge.Server.ConvergeServerOptions, Converge.Client"));
        _ = Assembly.GetExecutingAssembly();
    }
}
