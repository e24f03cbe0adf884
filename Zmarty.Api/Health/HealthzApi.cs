using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Zmarty.Api.Health;

/// <summary>A queue in <c>/healthz</c>: messages waiting, and those read but not yet done (invisible).</summary>
public sealed record QueueHealth(long Depth, long Processing);

/// <summary>The body of <c>GET /healthz</c> (DOMAIN.md §6).</summary>
public sealed record HealthzReport(
    string Status,
    DateTimeOffset Timestamp,
    long UptimeSeconds,
    string Version,
    IReadOnlyDictionary<string, ComponentHealth> Services,
    IReadOnlyDictionary<string, QueueHealth> Queues);

public static class HealthzApi
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly string s_version =
        typeof(HealthzApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>The options, the background provider probe and nothing else: one call in the Api's Extensions.</summary>
    public static IHostApplicationBuilder AddHealthz(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<HealthzOptions>()
            .BindConfiguration(HealthzOptions.Section, binder => binder.ErrorOnUnknownConfiguration = true)
            .PostConfigure<IConfiguration>((options, configuration) =>
                options.AddDefaultProviders(configuration["services:emulators:http:0"]))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ProviderProbe>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ProviderProbe>());
        return builder;
    }

    /// <summary>
    /// <c>GET /healthz</c>: 503 <c>unhealthy</c> when a database is down, 200 <c>degraded</c> when a
    /// provider is, else 200 <c>healthy</c>. Databases are checked on the request, with a timeout;
    /// providers come from the background probe's cache.
    /// </summary>
    public static IEndpointRouteBuilder MapHealthz(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", GetAsync);
        return app;
    }

    private static async Task<IResult> GetAsync(
        [FromKeyedServices("chat")] NpgsqlDataSource chat,
        [FromKeyedServices("trading")] NpgsqlDataSource trading,
        ProviderProbe providers,
        IOptions<HealthzOptions> options,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var timeout = options.Value.DatabaseTimeout;
        var a = PingAsync(chat, timeout, cancellationToken);
        var b = PingAsync(trading, timeout, cancellationToken);
        var queues = ReadQueuesAsync(trading, timeout, cancellationToken);
        await Task.WhenAll(a, b, queues);

        var services = new Dictionary<string, ComponentHealth>(StringComparer.Ordinal)
        {
            ["supabase_a"] = a.Result,
            ["supabase_b"] = b.Result,
        };
        foreach (var (name, health) in providers.Results)
        {
            services[name] = health;
        }

        var databasesUp = a.Result.Status == ComponentHealth.Healthy && b.Result.Status == ComponentHealth.Healthy;
        var status = !databasesUp ? "unhealthy"
            : providers.Results.Values.Any(p => p.Status == ComponentHealth.Unhealthy) ? "degraded"
            : "healthy";
        var report = new HealthzReport(
            status,
            time.GetUtcNow(),
            (long)(DateTime.Now - Process.GetCurrentProcess().StartTime).TotalSeconds,
            s_version,
            services,
            queues.Result);
        return TypedResults.Json(report, s_json, statusCode: databasesUp ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<ComponentHealth> PingAsync(NpgsqlDataSource source, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await using var command = source.CreateCommand("select 1");
            await command.ExecuteScalarAsync(limit.Token);
            return new ComponentHealth(ComponentHealth.Healthy, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ComponentHealth(ComponentHealth.Unhealthy, Stopwatch.GetElapsedTime(started).TotalMilliseconds, $"no answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            // The latency of a failure is how long it took to fail: a refused connection is quick, a hung server is not.
            return new ComponentHealth(ComponentHealth.Unhealthy, Stopwatch.GetElapsedTime(started).TotalMilliseconds, ex.Message);
        }
    }

    /// <summary>Depth per queue from <c>ops.queue_metrics()</c>; none when B cannot be read (its entry in services says why).</summary>
    private static async Task<IReadOnlyDictionary<string, QueueHealth>> ReadQueuesAsync(
        NpgsqlDataSource trading, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var queues = new SortedDictionary<string, QueueHealth>(StringComparer.Ordinal);
        try
        {
            await using var command = trading.CreateCommand(
                "select queue_name, queue_length, queue_length - queue_visible_length from ops.queue_metrics()");
            await using var reader = await command.ExecuteReaderAsync(limit.Token);
            while (await reader.ReadAsync(limit.Token))
            {
                queues[reader.GetString(0)] = new QueueHealth(reader.GetInt64(1), reader.GetInt64(2));
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            queues.Clear();
        }

        return queues;
    }
}
