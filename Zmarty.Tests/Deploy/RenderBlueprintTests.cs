using System.Net;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Zmarty.Tests.Deploy;

/// <summary>
/// render.yaml against what Render's Blueprint reference requires (render.com/docs/blueprint-spec): Render publishes
/// its schema only at a URL, not through a package registry, so the fields and rules it lists are checked here, with
/// what a first deploy needs to come up: every secret asked for, the images pullable, the migrations run.
/// </summary>
public sealed partial class RenderBlueprintTests
{
    private static readonly string[] s_rootFields = ["services", "databases", "envVarGroups", "projects", "ungrouped", "previews"];

    private static readonly string[] s_serviceFields =
    [
        "type", "name", "runtime", "image", "repo", "branch", "rootDir", "dockerfilePath", "dockerContext", "dockerCommand",
        "buildCommand", "startCommand", "preDeployCommand", "plan", "region", "numInstances", "scaling", "healthCheckPath",
        "envVars", "autoDeploy", "autoDeployTrigger", "buildFilter", "domains", "disk", "maxShutdownDelaySeconds", "registryCredential",
    ];

    private static readonly string[] s_serviceTypes = ["web", "worker", "pserv", "cron", "keyvalue"];

    // An image-backed service's `image`: its URL, and `creds` only for a private image.
    private static readonly string[] s_imageFields = ["url", "creds"];

    // One environment variable: a name with one source, or a whole group.
    private static readonly string[] s_envVarFields = ["key", "value", "generateValue", "sync", "fromGroup", "fromService", "fromDatabase"];

    private static readonly string[] s_fromServiceFields = ["type", "name", "property", "envVarKey"];

    private static readonly string[] s_fromServiceProperties = ["host", "port", "hostport", "connectionString"];

    /// <summary>What each service cannot start (or work) without, and Render therefore must ask for on that service.</summary>
    private static readonly Dictionary<string, string[]> s_secrets = new()
    {
        ["zmarty-api"] =
        [
            "ConnectionStrings__chat", "ConnectionStrings__trading",
            "Migrate__ConnectionStrings__chat", "Migrate__ConnectionStrings__trading",
            "Migrate__RolePasswords__zmarty_api", "Migrate__RolePasswords__zmarty_worker", "Migrate__RolePasswords__zmarty_admin",
            "Supabase__JwtIssuer", "Supabase__JwksUrl", "Supabase__JwtSecret", "Webhooks__Secret", "Voice__LinkSecret",
            "Chat__Providers__grok__ApiKey", "Chat__Providers__gpt__ApiKey", "Chat__Providers__claude__ApiKey", "Voice__ApiKey",
            "Browser__AllowedOrigins__0", "Browser__PublicBaseUrl", "OTEL_EXPORTER_OTLP_ENDPOINT",
        ],
        ["zmarty-worker"] =
        [
            "ConnectionStrings__chat", "ConnectionStrings__trading", "Webhooks__Secret", "Cryptometer__ApiKey", "KingFisher__BaseUrl",
            "KingFisher__ApiKey", "OTEL_EXPORTER_OTLP_ENDPOINT",
        ],
        ["zmarty-admin"] = ["ConnectionStrings__chat", "ConnectionStrings__trading", "Admin__Password", "OTEL_EXPORTER_OTLP_ENDPOINT"],
    };

    /// <summary>
    /// The server connections Zmarty may hold in one Supabase project on the smallest paid compute, Micro: 60 direct
    /// connections (supabase.com/docs/guides/platform/compute-add-ons), of which Supabase's guide gives at most 80 % to
    /// the pooler (supabase.com/docs/guides/database/connection-management). Every service connects to both projects
    /// with the same pool size, so one project's sum is the other's.
    /// </summary>
    private const int MicroPoolBudget = 48;

    private static readonly YamlMappingNode s_blueprint = Load("render.yaml");

    [Fact]
    public void Only_fields_the_blueprint_reference_lists_are_used()
    {
        Assert.All(s_blueprint.Children.Keys, key => Assert.Contains(Text(key), s_rootFields));
        Assert.All(Services(), service =>
        {
            Assert.All(service.Children.Keys, key => Assert.Contains(Text(key), s_serviceFields));
            Assert.Contains(Text(service, "type"), s_serviceTypes);
            Assert.False(string.IsNullOrEmpty(Text(service, "name")));
            Assert.All(Mapping(service, "image").Children.Keys, key => Assert.Contains(Text(key), s_imageFields));
            if (Has(service, "maxShutdownDelaySeconds"))
            {
                // The reference's range, inclusive.
                Assert.InRange(int.Parse(Text(service, "maxShutdownDelaySeconds")), 1, 300);
            }
        });
        Assert.All(Groups().SelectMany(EnvVars).Concat(Services().SelectMany(EnvVars)), variable =>
        {
            Assert.All(variable.Children.Keys, key => Assert.Contains(Text(key), s_envVarFields));
            if (Has(variable, "fromService"))
            {
                var source = Mapping(variable, "fromService");
                Assert.All(source.Children.Keys, key => Assert.Contains(Text(key), s_fromServiceFields));
                Assert.True(Has(source, "type") && Has(source, "name"), "fromService names the service and its type");
                Assert.True(Has(source, "property") ^ Has(source, "envVarKey"), "fromService takes a property or an envVarKey");
                Assert.True(!Has(source, "property") || s_fromServiceProperties.Contains(Text(source, "property")));
            }
        });
    }

    [Fact]
    public void The_api_is_an_autoscaled_web_service_checked_on_healthz_and_the_worker_a_background_worker()
    {
        var api = Service("zmarty-api");
        Assert.Equal(("web", "/healthz"), (Text(api, "type"), Text(api, "healthCheckPath")));
        var scaling = Mapping(api, "scaling");
        Assert.True(int.Parse(Text(scaling, "minInstances")) >= 1);
        Assert.True(int.Parse(Text(scaling, "maxInstances")) > int.Parse(Text(scaling, "minInstances")));
        // Render refuses numInstances beside scaling.
        Assert.False(Has(api, "numInstances"));
        Assert.Equal("worker", Text(Service("zmarty-worker"), "type"));
        Assert.False(Has(Service("zmarty-worker"), "healthCheckPath"));
        var admin = Service("zmarty-admin");
        Assert.Equal(("web", "/health"), (Text(admin, "type"), Text(admin, "healthCheckPath")));
        Assert.All(Services(), s => Assert.Equal("image", Text(s, "runtime")));
    }

    [Fact]
    public void No_environment_group_holds_a_value_render_would_ignore()
    {
        // The reference: a group's `sync: false` is ignored, and a group cannot reference another service.
        Assert.All(Groups().SelectMany(EnvVars), variable =>
        {
            Assert.False(Has(variable, "sync"), $"{Text(variable, "key")} asks for a value inside a group");
            Assert.False(Has(variable, "fromService") || Has(variable, "fromDatabase"), $"{Text(variable, "key")} references a service");
        });
    }

    [Fact]
    public void Every_image_is_one_pinned_release_pulled_with_a_registry_credential()
    {
        var tags = new HashSet<string>();
        var credentials = new HashSet<string>();
        foreach (var service in Services())
        {
            var image = Mapping(service, "image");
            var match = PinnedImage().Match(Text(image, "url"));
            Assert.True(match.Success, $"{Text(service, "name")}: {Text(image, "url")} is not ghcr.io/zmarty/<image>:<version> or @sha256");
            Assert.NotEqual("latest", match.Groups["reference"].Value);
            tags.Add(match.Groups["reference"].Value);

            // GHCR packages are private unless made public: without credentials Render cannot pull them.
            var credential = Text(Mapping(Mapping(image, "creds"), "fromRegistryCreds"), "name");
            Assert.False(string.IsNullOrWhiteSpace(credential));
            credentials.Add(credential);
        }

        Assert.Single(tags);
        Assert.Single(credentials);
    }

    [Fact]
    public void The_api_migrates_both_databases_before_each_deploy_and_only_it_holds_the_owner_credentials()
    {
        var api = Service("zmarty-api");
        Assert.Equal("/app/zmarty-service migrate", Text(api, "preDeployCommand"));
        foreach (var key in new[] { "Migrate__ConnectionStrings__chat", "Migrate__ConnectionStrings__trading" })
        {
            Assert.Equal("false", Text(Variable(api, key), "sync"));
        }

        var elsewhere = Services().Where(s => s != api).SelectMany(EnvVars).Concat(Groups().SelectMany(EnvVars));
        Assert.DoesNotContain(elsewhere, v => Has(v, "key") && Text(v, "key").StartsWith("Migrate__", StringComparison.Ordinal));
        Assert.All(Services().Where(s => s != api), s => Assert.False(Has(s, "preDeployCommand")));
    }

    [Fact]
    public void Every_secret_a_service_needs_is_asked_for_on_that_service()
    {
        foreach (var (name, keys) in s_secrets)
        {
            var service = Service(name);
            foreach (var key in keys)
            {
                var variable = EnvVars(service).SingleOrDefault(v => Has(v, "key") && Text(v, "key") == key);
                if (variable is null)
                {
                    Assert.Fail($"{name} does not ask for {key}");
                }

                Assert.True(Has(variable, "sync") ? Text(variable, "sync") == "false" : Text(variable, "generateValue") == "true",
                    $"{name}: {key} is neither asked for (sync: false) nor generated");
            }
        }
    }

    [Fact]
    public void Every_secret_is_asked_for_at_sync_and_every_group_used_exists()
    {
        var groups = Groups().ToDictionary(g => Text(g, "name"));
        var variables = groups.Values.SelectMany(EnvVars).Concat(Services().SelectMany(EnvVars)).ToList();

        foreach (var variable in variables)
        {
            if (Has(variable, "fromGroup"))
            {
                Assert.Contains(Text(variable, "fromGroup"), groups.Keys);
                continue;
            }

            var key = Text(variable, "key");
            // Exactly one source per variable: a value, a generated value, a prompt at sync, or another resource's.
            var sources = new[] { "value", "generateValue", "sync", "fromService", "fromDatabase" };
            Assert.Equal(1, sources.Count(source => Has(variable, source)));
            if (key.Contains("ApiKey", StringComparison.Ordinal) || key.Contains("Password", StringComparison.Ordinal)
                || key.Contains("Secret", StringComparison.Ordinal) || key.Contains("ConnectionStrings__", StringComparison.Ordinal))
            {
                Assert.True(Has(variable, "sync") ? Text(variable, "sync") == "false" : Text(variable, "generateValue") == "true",
                    $"{key} is a secret: sync: false or generateValue");
            }
        }

        // Each service gets its own database role's connection strings, never a shared one.
        Assert.All(Services(), s => Assert.Contains(EnvVars(s), v => Has(v, "key") && Text(v, "key") == "ConnectionStrings__trading"));
    }

    [Fact]
    public void Web_services_tell_render_the_port_the_images_listen_on()
    {
        var port = ImagePort().Match(Checkout.ReadFile("deploy/images/Dockerfile")).Groups["port"].Value;
        Assert.Equal("8080", port);
        Assert.All(Services().Where(s => Text(s, "type") == "web"), s => Assert.Equal(port, Text(Variable(s, "PORT"), "value")));
    }

    [Fact]
    public void The_api_waits_for_chats_in_flight_as_long_as_on_kubernetes()
    {
        var deployment = LoadAll("deploy/kubernetes/base/api.yaml").Single(d => Text(d, "kind") == "Deployment");
        var grace = Text(Mapping(Mapping(Mapping(deployment, "spec"), "template"), "spec"), "terminationGracePeriodSeconds");
        Assert.Equal(grace, Text(Service("zmarty-api"), "maxShutdownDelaySeconds"));
    }

    [Fact]
    public void The_worker_reaches_the_api_over_the_private_network()
    {
        var worker = Service("zmarty-worker");
        var source = Mapping(Variable(worker, "Relay__ApiHostPort"), "fromService");
        Assert.Equal(("web", "zmarty-api", "hostport"), (Text(source, "type"), Text(source, "name"), Text(source, "property")));
        Assert.DoesNotContain(EnvVars(worker),
            v => Has(v, "key") && Text(v, "key").StartsWith("services__api__", StringComparison.Ordinal));
    }

    [Fact]
    public void The_admin_trusts_only_renders_private_network_for_forwarded_addresses()
    {
        var network = Text(Variable(Service("zmarty-admin"), "Admin__KnownNetworks__0"), "value");
        Assert.True(IPNetwork.TryParse(network, out var parsed), network);
        // RFC 1918's 10/8: Render's own proxy; a public network here would let anyone choose the address the throttle counts.
        Assert.True(parsed.PrefixLength >= 8 && IPNetwork.Parse("10.0.0.0/8").Contains(parsed.BaseAddress), network);
    }

    [Fact]
    public void Connections_at_full_scale_fit_the_smallest_paid_compute()
    {
        var total = 0;
        foreach (var service in Services())
        {
            var pool = int.Parse(Text(Variable(service, "Database__MaxPoolSize"), "value"));
            Assert.InRange(pool, 1, MicroPoolBudget);
            var instances = Has(service, "scaling")
                ? int.Parse(Text(Mapping(service, "scaling"), "maxInstances"))
                : int.Parse(Text(service, "numInstances"));
            total += instances * pool;
        }

        // The pre-deploy migrator's one connection.
        total += 1;
        Assert.True(total <= MicroPoolBudget, $"{total} connections per project at full scale, more than {MicroPoolBudget}");

        // A Worker holds about 3 connections per job in flight; a smaller pool would make its jobs wait for one.
        var worker = Service("zmarty-worker");
        var concurrency = int.Parse(Text(Variable(worker, "Queues__Concurrency"), "value"));
        Assert.True(int.Parse(Text(Variable(worker, "Database__MaxPoolSize"), "value")) >= 3 * concurrency);
    }

    [GeneratedRegex(@"^ghcr\.io/zmarty/(api|worker|admin)(:(?<reference>[0-9][0-9A-Za-z._-]*)|@(?<reference>sha256:[0-9a-f]{64}))$")]
    private static partial Regex PinnedImage();

    [GeneratedRegex(@"ASPNETCORE_HTTP_PORTS=(?<port>[0-9]+)")]
    private static partial Regex ImagePort();

    private static YamlMappingNode Load(string path) => LoadAll(path).Single();

    private static List<YamlMappingNode> LoadAll(string path)
    {
        using var reader = new StringReader(Checkout.ReadFile(path));
        var stream = new YamlStream();
        stream.Load(reader);
        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
    }

    private static IEnumerable<YamlMappingNode> Services() => ((YamlSequenceNode)s_blueprint["services"]).Cast<YamlMappingNode>();

    private static IEnumerable<YamlMappingNode> Groups() => ((YamlSequenceNode)s_blueprint["envVarGroups"]).Cast<YamlMappingNode>();

    private static YamlMappingNode Service(string name) => Services().Single(s => Text(s, "name") == name);

    private static YamlMappingNode Variable(YamlMappingNode service, string key) =>
        EnvVars(service).Single(v => Has(v, "key") && Text(v, "key") == key);

    private static IEnumerable<YamlMappingNode> EnvVars(YamlMappingNode node) =>
        node.Children.TryGetValue(new YamlScalarNode("envVars"), out var list) ? ((YamlSequenceNode)list).Cast<YamlMappingNode>() : [];

    private static YamlMappingNode Mapping(YamlMappingNode node, string key) => (YamlMappingNode)node[key];

    private static bool Has(YamlMappingNode node, string key) => node.Children.ContainsKey(new YamlScalarNode(key));

    private static string Text(YamlNode node) => ((YamlScalarNode)node).Value ?? "";

    private static string Text(YamlMappingNode node, string key) => Text(node[key]);
}
