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

    public void Dispose()
    {
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }
}
