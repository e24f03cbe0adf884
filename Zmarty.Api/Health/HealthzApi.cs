using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Zmarty.Api.Chat;
using Zmarty.Api.Extensions;
using Zmarty.Api.Voice;

namespace Zmarty.Api.Health;

/// <summary>A queue in <c>/healthz</c>: messages waiting, and those read but not yet done (invisible).</summary>
public sealed record QueueHealth(long Depth, long Processing);

/// <summary>
/// The body of <c>GET /healthz</c> (docs/domain.md §6), with <c>risk_grids</c>: the Worker's verdict on each of the
/// owner's risk grids it has used, <c>error</c> naming why a grid is refused; and <c>sources</c>: the secondary sources
/// of an ingestion (King Fisher's clusters, the owner's days per band) as the Worker last found them, <c>error</c>
/// naming what is left out while one fails.
/// </summary>
public sealed record HealthzReport(
    string Status,
    DateTimeOffset Timestamp,
    long UptimeSeconds,
    string Version,
    IReadOnlyDictionary<string, ComponentHealth> Services,
    IReadOnlyDictionary<string, QueueHealth> Queues,
    IReadOnlyDictionary<string, ComponentHealth> RiskGrids,
    IReadOnlyDictionary<string, ComponentHealth> Sources);

public static class HealthzApi
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The options, the background provider probe and nothing else: one call in the Api's Extensions.</summary>
    public static IHostApplicationBuilder AddHealthz(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<HealthzOptions>()
            .BindConfiguration(HealthzOptions.Section, binder => binder.ErrorOnUnknownConfiguration = true)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IReadOnlyList<ProbeTarget>>(sp => ProbeTarget.From(
            sp.GetRequiredService<IOptions<ChatOptions>>().Value,
            sp.GetRequiredService<IOptions<VoiceOptions>>().Value,
            EmulatorAddress.From(sp.GetRequiredService<IConfiguration>())));
        builder.Services.AddSingleton<ProviderProbe>();
        builder.Services.AddSingleton<HealthzReporter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ProviderProbe>());
        return builder;
    }

    /// <summary>
    /// <c>GET /healthz</c>: 503 <c>unhealthy</c> when a database is down, 200 <c>degraded</c> when a
    /// provider's check is <c>error</c>, else 200 <c>healthy</c>. It is anonymous, so the report is computed at most once per
    /// <see cref="HealthzOptions.CacheFor"/> however often it is asked for (<see cref="HealthzReporter"/>).
    /// </summary>
    public static IEndpointRouteBuilder MapHealthz(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", GetAsync);
        return app;
    }

    private static async Task<IResult> GetAsync(HealthzReporter reporter, CancellationToken cancellationToken)
    {
        var (report, databasesUp) = await reporter.GetAsync(cancellationToken);
        return TypedResults.Json(report, s_json, statusCode: databasesUp ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }
}
