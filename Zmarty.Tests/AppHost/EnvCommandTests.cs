using Zmarty.AppHost.Hosting;
using Zmarty.AppHost.Model;

namespace Zmarty.Tests.AppHost;

public sealed class EnvCommandTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "zmarty-env-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task Env_prints_each_provider_url_as_the_worker_gets_it()
    {
        var builder = new DistributedApplicationBuilder([], AppHostOptions.ForCheckout(), new Dictionary<string, string>());
        AppModel.AddResources(builder);
        var worker = builder.Resources.OfType<ProjectResource>().Single(p => p.Name == "worker");
        var app = builder.Build();
        var secrets = await LocalSecrets.LoadOrCreateAsync(_dataDirectory, builder.Resources.OfType<ParameterResource>(), CancellationToken.None);

        var variables = EnvCommand.Variables(app, secrets).ToDictionary(v => v.Name, v => v.Value);

        Assert.Equal("http://127.0.0.1:5300/cryptometer/", variables["ZMARTY_CRYPTOMETER_URL"]);
        Assert.Equal("http://127.0.0.1:5300/kingfisher/", variables["ZMARTY_KINGFISHER_URL"]);
        Assert.Equal(
            variables["ZMARTY_CRYPTOMETER_URL"],
            DistributedApplication.Url((EnvironmentValue.Endpoint)worker.Environment["Cryptometer__BaseUrl"]).ToString());
    }

    [Fact]
    public async Task Env_prints_the_dashboard_and_its_otlp_receivers()
    {
        var (app, secrets) = await BuildAsync([]);

        var variables = EnvCommand.Variables(app, secrets).ToDictionary(v => v.Name, v => v.Value);

        Assert.Equal("http://127.0.0.1:18888", variables["ZMARTY_DASHBOARD_URL"]);
        Assert.Equal("http://127.0.0.1:18889", variables["ZMARTY_DASHBOARD_OTLP_GRPC_URL"]);
        Assert.Equal("http://127.0.0.1:18890", variables["ZMARTY_DASHBOARD_OTLP_HTTP_URL"]);
    }

    [Fact]
    public async Task Services_export_to_the_dashboard_unless_the_apphost_is_given_an_otlp_endpoint()
    {
        var (local, localSecrets) = await BuildAsync([]);
        var (outside, outsideSecrets) = await BuildAsync([("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector.example:4317")]);

        var toDashboard = local.EnvironmentOf(Project(local, "api"), localSecrets);
        var toCollector = outside.EnvironmentOf(Project(outside, "api"), outsideSecrets);

        Assert.Equal("http://127.0.0.1:18889", toDashboard["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Equal("grpc", toDashboard["OTEL_EXPORTER_OTLP_PROTOCOL"]);
        Assert.Equal("api", toDashboard["OTEL_SERVICE_NAME"]);
        // The AppHost's own OTEL_* variables reach the services by inheritance; nothing here overrides them.
        Assert.DoesNotContain(toCollector.Keys, key => key.StartsWith("OTEL_EXPORTER_", StringComparison.Ordinal));
    }

    private async Task<(DistributedApplication App, LocalSecrets Secrets)> BuildAsync((string Name, string Value)[] environment)
    {
        var builder = new DistributedApplicationBuilder([], AppHostOptions.ForCheckout(), environment.ToDictionary(e => e.Name, e => e.Value));
        AppModel.AddResources(builder);
        var secrets = await LocalSecrets.LoadOrCreateAsync(_dataDirectory, builder.Resources.OfType<ParameterResource>(), CancellationToken.None);
        return (builder.Build(), secrets);
    }

    private static ProjectResource Project(DistributedApplication app, string name) =>
        app.Model.OfType<ProjectResource>().Single(p => p.Name == name);

    public void Dispose()
    {
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }
}
