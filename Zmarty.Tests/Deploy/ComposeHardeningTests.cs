using YamlDotNet.RepresentationModel;
using Zmarty.AppHost.Commands;

namespace Zmarty.Tests.Deploy;

/// <summary>
/// Every container of ours that deploy/compose runs (the services, and the emulators of the demo variant) runs read-only
/// with every capability dropped, no new privileges and a tmpfs /tmp. The databases of compose.local.yaml are
/// PostgreSQL's own image, which writes its data directory and is not ours to harden here.
/// </summary>
public sealed class ComposeHardeningTests
{
    private static readonly string s_folder = Path.Combine(AppHostAssembly.FindRepositoryRoot(), "deploy", "compose");

    [Theory]
    [InlineData("compose.yaml", "api")]
    [InlineData("compose.yaml", "worker")]
    [InlineData("compose.yaml", "admin")]
    [InlineData("compose.emulators.yaml", "emulators")]
    public void The_service_runs_read_only_without_capabilities_or_new_privileges_with_a_tmpfs_tmp(string file, string name)
    {
        var service = Services(file)[name];

        Assert.Equal("true", Scalar(service, "read_only"));
        Assert.Contains("/tmp", Sequence(service, "tmpfs"));
        Assert.Contains("no-new-privileges", Sequence(service, "security_opt"));
        Assert.Equal(["ALL"], Sequence(service, "cap_drop"));
    }

    [Fact]
    public void The_compose_emulators_listen_on_every_interface_for_the_other_containers_and_answer_only_their_service_name()
    {
        var environment = (YamlMappingNode)Services("compose.emulators.yaml")["emulators"].Children[new YamlScalarNode("environment")];

        Assert.Equal("0.0.0.0", Scalar(environment, "Emulators__ListenAddress"));
        Assert.Equal("emulators", Scalar(environment, "AllowedHosts"));
    }

    /// <summary>The file's services, each with what it merges (<c>&lt;&lt;: *anchor</c>) folded in.</summary>
    private static Dictionary<string, YamlMappingNode> Services(string file)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(s_folder, file)))
        {
            yaml.Load(reader);
        }

        var services = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children[new YamlScalarNode("services")];
        return services.Children.ToDictionary(e => ((YamlScalarNode)e.Key).Value!, e => Merged((YamlMappingNode)e.Value));
    }

    private static YamlMappingNode Merged(YamlMappingNode node)
    {
        var merged = new YamlMappingNode();
        if (node.Children.TryGetValue(new YamlScalarNode("<<"), out var merge))
        {
            var sources = merge is YamlSequenceNode list ? list.Children : [merge];
            foreach (var source in sources.OfType<YamlMappingNode>())
            {
                foreach (var (key, value) in Merged(source).Children)
                {
                    merged.Children[key] = value;
                }
            }
        }

        foreach (var (key, value) in node.Children.Where(e => e.Key is not YamlScalarNode { Value: "<<" }))
        {
            merged.Children[key] = value;
        }

        return merged;
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;

    private static List<string?> Sequence(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value)
            ? [.. ((YamlSequenceNode)value).Children.Cast<YamlScalarNode>().Select(s => s.Value)]
            : [];
}
