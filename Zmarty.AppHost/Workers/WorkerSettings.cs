using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Zmarty.AppHost.Workers;

/// <summary>
/// The <c>Worker</c> section of the AppHost's configuration. <c>Worker:Replicas</c> (<c>Worker__Replicas</c>, or
/// <c>./zmarty up --Worker:Replicas=3</c>) runs that many Workers, as KEDA does in a deployment: they share the queues,
/// the provider keys' rate windows and budgets in B, and one port behind the orchestrator's proxy.
/// </summary>
internal static class WorkerSettings
{
    public const string ReplicasKey = "Worker:Replicas";

    /// <summary>
    /// KEDA runs up to six in a deployment; past 16 the local Workers would only crowd a 2-core machine and the local
    /// servers' connections (each Worker holds up to about 3 × <c>Queues:Concurrency</c>).
    /// </summary>
    public const int MaxReplicas = 16;

    /// <summary>How many Workers to run: 1 unless configured.</summary>
    /// <exception cref="AppHostException">The setting is not a whole number from 1 to <see cref="MaxReplicas"/>.</exception>
    public static int Replicas(IConfiguration configuration)
    {
        var configured = configuration[ReplicasKey];
        if (string.IsNullOrWhiteSpace(configured))
        {
            return 1;
        }

        if (!int.TryParse(configured, NumberStyles.None, CultureInfo.InvariantCulture, out var replicas)
            || replicas is < 1 or > MaxReplicas)
        {
            throw new AppHostException(
                $"{ReplicasKey} (Worker__Replicas) must be a whole number from 1 to {MaxReplicas}, not '{configured}'.");
        }

        return replicas;
    }

    /// <summary>The configured number of Workers; one Worker leaves the model as it was without the setting.</summary>
    public static IResourceBuilder<ProjectResource> WithConfiguredReplicas(
        this IResourceBuilder<ProjectResource> worker, IDistributedApplicationBuilder builder) =>
        Replicas(builder.Configuration) is var replicas and > 1 ? worker.WithReplicas(replicas) : worker;
}
