using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Logging.Abstractions;
using Zmarty.AppHost.Commands;

namespace Zmarty.Tests.AppHost;

/// <summary>A real provider's credentials given to the AppHost replace that provider's emulator, and only that one's.</summary>
public sealed class ProviderSettingsTests
{
    [Fact]
    public async Task A_key_given_to_the_apphost_reaches_the_service_that_calls_the_provider_and_the_others_stay_emulated()
    {
        var (worker, api) = await EnvironmentsAsync(
            "--Cryptometer:ApiKey=cm-real-key", "--Cryptometer:RequestsPerWindow=50", "--Chat:Providers:grok:ApiKey=xai-real-key");

        Assert.Equal("cm-real-key", worker["Cryptometer__ApiKey"]);
        Assert.Equal("50", worker["Cryptometer__RequestsPerWindow"]);
        // No URL given: the Worker's default, Cryptometer's own, not the emulators'.
        Assert.False(worker.ContainsKey("Cryptometer__BaseUrl"));
        Assert.Equal(LocalCommands.EmulatorKey, worker["KingFisher__ApiKey"]);
        Assert.EndsWith("/kingfisher/", worker["KingFisher__BaseUrl"], StringComparison.Ordinal);
        Assert.Equal("xai-real-key", api["Chat__Providers__grok__ApiKey"]);
        Assert.False(api.ContainsKey("Chat__Providers__gpt__ApiKey"));
    }

    [Fact]
    public async Task Without_keys_every_provider_is_the_emulators()
    {
        var (worker, api) = await EnvironmentsAsync();

        Assert.EndsWith("/cryptometer/", worker["Cryptometer__BaseUrl"], StringComparison.Ordinal);
        Assert.Equal(LocalCommands.EmulatorKey, worker["Cryptometer__ApiKey"]);
        Assert.DoesNotContain(api.Keys,
            k => k.StartsWith("Chat__", StringComparison.Ordinal) || k.StartsWith("Voice__", StringComparison.Ordinal));
    }

    private static async Task<(Dictionary<string, string> Worker, Dictionary<string, string> Api)> EnvironmentsAsync(params string[] args)
    {
        return await UnstartedModel.ReadAsync([.. UnstartedModel.KeptSecrets, .. args], async (model, _) =>
        {
            var projects = model.Resources.OfType<ProjectResource>().ToDictionary(p => p.Name);
            return (await EnvironmentOf(projects["worker"]), await EnvironmentOf(projects["api"]));
        });
    }

    private static async Task<Dictionary<string, string>> EnvironmentOf(ProjectResource project)
    {
        var configuration = await ExecutionConfigurationBuilder.Create(project)
            .WithEnvironmentVariablesConfig()
            .BuildAsync(new(DistributedApplicationOperation.Run), NullLogger.Instance, CancellationToken.None);
        return configuration.EnvironmentVariables.ToDictionary();
    }
}
