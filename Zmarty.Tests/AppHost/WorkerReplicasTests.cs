using Aspire.Hosting.ApplicationModel;
using Zmarty.AppHost;
using Zmarty.Testing;

namespace Zmarty.Tests.AppHost;

/// <summary>
/// <c>Worker:Replicas</c> sets how many Workers the AppHost runs; a number it cannot run stops the start, saying what it can.
/// </summary>
public sealed class WorkerReplicasTests
{
    [Theory]
    [InlineData(null, 1)]
    [InlineData("1", 1)]
    [InlineData("3", 3)]
    [InlineData("16", 16)]
    public async Task The_model_runs_as_many_workers_as_the_setting_says_and_one_without_it(string? setting, int workers)
    {
        string[] args = setting is null ? UnstartedModel.KeptSecrets : [.. UnstartedModel.KeptSecrets, $"--Worker:Replicas={setting}"];

        var replicas = await UnstartedModel.ReadAsync(args, (model, _) => Task.FromResult(
            model.Resources.OfType<ProjectResource>().Single(p => p.Name == "worker").TryGetLastAnnotation<ReplicaAnnotation>(out var r)
                ? r.Replicas
                : 1));

        Assert.Equal(workers, replicas);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("17")]
    [InlineData("-2")]
    [InlineData("three")]
    [InlineData("2.5")]
    public async Task A_number_of_workers_outside_1_to_16_is_refused_naming_the_setting_and_the_range(string setting)
    {
        var error = await Assert.ThrowsAsync<AppHostException>(() => TestSystem.CreateBuilderAsync($"--Worker:Replicas={setting}"));

        Assert.Equal($"Worker:Replicas (Worker__Replicas) must be a whole number from 1 to 16, not '{setting}'.", error.Message);
    }
}
