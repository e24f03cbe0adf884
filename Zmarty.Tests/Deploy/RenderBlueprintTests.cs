using YamlDotNet.RepresentationModel;

namespace Zmarty.Tests.Deploy;

/// <summary>
/// render.yaml against what Render's Blueprint reference requires (render.com/docs/blueprint-spec): Render publishes
/// its schema only at a URL, not through a package registry, so the fields and rules it lists are checked here.
/// </summary>
public sealed class RenderBlueprintTests
{
    private static readonly string[] s_rootFields = ["services", "databases", "envVarGroups", "projects", "ungrouped", "previews"];

    private static readonly string[] s_serviceFields =
    [
        "type", "name", "runtime", "image", "repo", "branch", "rootDir", "dockerfilePath", "dockerContext", "dockerCommand",
        "buildCommand", "startCommand", "preDeployCommand", "plan", "region", "numInstances", "scaling", "healthCheckPath",
        "envVars", "autoDeploy", "buildFilter", "domains", "disk", "maxShutdownDelaySeconds", "registryCredential",
    ];

    private static readonly string[] s_serviceTypes = ["web", "worker", "pserv", "cron", "keyvalue"];

    private static readonly YamlMappingNode s_blueprint = Load();

    [Fact]
    public void Only_fields_the_blueprint_reference_lists_are_used()
    {
        Assert.All(s_blueprint.Children.Keys, key => Assert.Contains(Text(key), s_rootFields));
        Assert.All(Services(), service =>
        {
            Assert.All(service.Children.Keys, key => Assert.Contains(Text(key), s_serviceFields));
            Assert.Contains(Text(service, "type"), s_serviceTypes);
            Assert.False(string.IsNullOrEmpty(Text(service, "name")));
        });
    }

    [Fact]
    public void The_api_is_an_autoscaled_web_service_checked_on_healthz_and_the_worker_a_background_worker()
    {
        var api = Service("zmarty-api");
        Assert.Equal(("web", "/healthz"), (Text(api, "type"), Text(api, "healthCheckPath")));
        var scaling = (YamlMappingNode)api["scaling"];
        Assert.True(int.Parse(Text(scaling, "minInstances")) >= 1);
        Assert.True(int.Parse(Text(scaling, "maxInstances")) > int.Parse(Text(scaling, "minInstances")));
        // Render refuses numInstances beside scaling.
        Assert.False(Has(api, "numInstances"));
        Assert.Equal("worker", Text(Service("zmarty-worker"), "type"));
        Assert.False(Has(Service("zmarty-worker"), "healthCheckPath"));
        var admin = Service("zmarty-admin");
        Assert.Equal(("web", "/health"), (Text(admin, "type"), Text(admin, "healthCheckPath")));
        Assert.All(Services(), s => Assert.Equal("image", Text(s, "runtime")));
        Assert.All(Services(),
            s => Assert.StartsWith("ghcr.io/zmarty/", Text((YamlMappingNode)s["image"], "url"), StringComparison.Ordinal));
    }

    [Fact]
    public void Every_secret_is_asked_for_at_sync_and_every_group_used_exists()
    {
        var groups = ((YamlSequenceNode)s_blueprint["envVarGroups"]).Cast<YamlMappingNode>().ToDictionary(g => Text(g, "name"));
        var variables = groups.Values.SelectMany(g => EnvVars(g)).Concat(Services().SelectMany(EnvVars)).ToList();

        foreach (var variable in variables)
        {
            if (Has(variable, "fromGroup"))
            {
                Assert.Contains(Text(variable, "fromGroup"), groups.Keys);
                continue;
            }

            var key = Text(variable, "key");
            // Exactly one source per variable: a value, a generated value, or a prompt at sync.
            Assert.Equal(1, new[] { "value", "generateValue", "sync" }.Count(source => Has(variable, source)));
            if (key.Contains("ApiKey", StringComparison.Ordinal) || key.Contains("Password", StringComparison.Ordinal)
                || key.Contains("Secret", StringComparison.Ordinal) || key.StartsWith("ConnectionStrings__", StringComparison.Ordinal))
            {
                Assert.True(Has(variable, "sync") ? Text(variable, "sync") == "false" : Text(variable, "generateValue") == "true",
                    $"{key} is a secret: sync: false or generateValue");
            }
        }

        // Each service gets its own database role's connection strings, never a shared one.
        Assert.All(Services(), s => Assert.Contains(EnvVars(s), v => Has(v, "key") && Text(v, "key") == "ConnectionStrings__trading"));
    }

    private static YamlMappingNode Load()
    {
        using var reader = new StringReader(Checkout.ReadFile("render.yaml"));
        var stream = new YamlStream();
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static IEnumerable<YamlMappingNode> Services() => ((YamlSequenceNode)s_blueprint["services"]).Cast<YamlMappingNode>();

    private static YamlMappingNode Service(string name) => Services().Single(s => Text(s, "name") == name);

    private static IEnumerable<YamlMappingNode> EnvVars(YamlMappingNode node) =>
        node.Children.TryGetValue(new YamlScalarNode("envVars"), out var list) ? ((YamlSequenceNode)list).Cast<YamlMappingNode>() : [];

    private static bool Has(YamlMappingNode node, string key) => node.Children.ContainsKey(new YamlScalarNode(key));

    private static string Text(YamlNode node) => ((YamlScalarNode)node).Value ?? "";

    private static string Text(YamlMappingNode node, string key) => Text(node[key]);
}
