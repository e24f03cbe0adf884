using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Zmarty.Api.Health;

/// <summary>
/// Computes the <c>/healthz</c> report: a <c>select 1</c> on A and B and the queue depths of B on the
/// spot (with a timeout), the providers from the background probe. The result is kept for
/// <see cref="HealthzOptions.CacheFor"/> and concurrent requests share one computation, so an
/// anonymous caller cannot turn the endpoint into load on the databases. Errors are described in a
/// few fixed words, never with the driver's text (hosts, ports, user names).
/// </summary>
public sealed class HealthzReporter(
    [FromKeyedServices("chat")] NpgsqlDataSource chat,
    [FromKeyedServices("trading")] NpgsqlDataSource trading,
    ProviderProbe providers,
    IOptions<HealthzOptions> options,
    TimeProvider time)
{
    private static readonly string s_version =
        typeof(HealthzReporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private readonly SemaphoreSlim _computing = new(1, 1);
    private Computed? _last;

    public async Task<(HealthzReport Report, bool DatabasesUp)> GetAsync(CancellationToken cancellationToken)
    {
        if (Fresh(_last) is { } cached)
        {
            return (cached.Report, cached.DatabasesUp);
        }

        await _computing.WaitAsync(cancellationToken);
        try
        {
            // Computed for every waiting caller, so not cancelled with the one whose request started it.
            var computed = Fresh(_last) ?? (_last = await ComputeAsync());
            return (computed.Report, computed.DatabasesUp);
        }
        finally
        {
            _computing.Release();
        }
    }

    private Computed? Fresh(Computed? computed) =>
        computed is not null && time.GetElapsedTime(computed.At) < options.Value.CacheFor ? computed : null;

    private async Task<Computed> ComputeAsync()
    {
        var timeout = options.Value.DatabaseTimeout;
        var a = PingAsync(chat, timeout);
        var b = PingAsync(trading, timeout);
        var queues = ReadQueuesAsync(trading, timeout);
        var grids = ReadRiskGridsAsync(trading, timeout);
        var sources = ReadSourcesAsync(trading, timeout);
        await Task.WhenAll(a, b, queues, grids, sources);

        var services = new Dictionary<string, ComponentHealth>(StringComparer.Ordinal)
        {
            ["supabase_a"] = a.Result,
            ["supabase_b"] = b.Result,
        };
        foreach (var (name, health) in providers.Results)
        {
            services[name] = health;
        }

        var databasesUp = a.Result.Status == ComponentHealth.Ok && b.Result.Status == ComponentHealth.Ok;
        var status = !databasesUp ? "unhealthy"
            : providers.Results.Values.Concat(grids.Result.Values).Concat(sources.Result.Values)
                .Any(p => p.Status == ComponentHealth.Failed) ? "degraded"
            : "healthy";
        var report = new HealthzReport(
            status,
            time.GetUtcNow(),
            (long)(DateTime.Now - Process.GetCurrentProcess().StartTime).TotalSeconds,
            s_version,
            services,
            queues.Result,
            grids.Result,
            sources.Result);
        return new Computed(report, databasesUp, time.GetTimestamp());
    }

    private static async Task<ComponentHealth> PingAsync(NpgsqlDataSource source, TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await using var command = source.CreateCommand("select 1");
            await command.ExecuteScalarAsync(limit.Token);
            return new ComponentHealth(ComponentHealth.Ok, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or OperationCanceledException)
        {
            // The latency of a failure is how long it took to fail: a refused connection is quick, a hung server is not.
            var failedAfter = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            return new ComponentHealth(ComponentHealth.Failed, failedAfter, Describe(ex, timeout));
        }
    }

    /// <summary>What went wrong, in words that reveal nothing about the deployment.</summary>
    private static string Describe(Exception exception, TimeSpan timeout) => exception switch
    {
        // Class 57 (shut down, starting up) and 08 (connection lost) mean the server is not there to ask.
        PostgresException { SqlState: ['5', '7', ..] or ['0', '8', ..] } => "unreachable",
        PostgresException postgres => $"the database refused the query (SQLSTATE {postgres.SqlState})",
        OperationCanceledException or TimeoutException or NpgsqlException { InnerException: TimeoutException } =>
            $"no answer within {timeout.TotalSeconds:0.#} s",
        _ => "unreachable",
    };

    /// <summary>Depth per queue from <c>ops.queue_metrics()</c>; none when B cannot be read (its entry in services says why).</summary>
    private static async Task<IReadOnlyDictionary<string, QueueHealth>> ReadQueuesAsync(NpgsqlDataSource trading, TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
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
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or OperationCanceledException)
        {
            queues.Clear();
        }

        return queues;
    }

    /// <summary>
    /// The Worker's last verdict on each of the owner's risk grids (<c>ops.risk_grid_status</c>): <c>error</c> with the
    /// reason for a refused one; none when B cannot be read.
    /// </summary>
    private static async Task<IReadOnlyDictionary<string, ComponentHealth>> ReadRiskGridsAsync(NpgsqlDataSource trading, TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        var grids = new SortedDictionary<string, ComponentHealth>(StringComparer.Ordinal);
        try
        {
            // A symbol the owner has no grid for is an absence, not a fault: it is on the admin page only.
            await using var command = trading.CreateCommand(
                "select symbol, status, reason from ops.risk_grid_status where status <> 'missing'");
            await using var reader = await command.ExecuteReaderAsync(limit.Token);
            while (await reader.ReadAsync(limit.Token))
            {
                grids[reader.GetString(0)] = reader.IsDBNull(2)
                    ? new ComponentHealth(ComponentHealth.Ok, null)
                    : new ComponentHealth(ComponentHealth.Failed, null, $"{reader.GetString(1)}: {reader.GetString(2)}");
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or OperationCanceledException)
        {
            grids.Clear();
        }

        return grids;
    }

    /// <summary>
    /// The secondary sources' state as the Worker last recorded it (<c>ops.source_status</c>): <c>error</c> with what is
    /// left out while one fails; none when B cannot be read.
    /// </summary>
    private static async Task<IReadOnlyDictionary<string, ComponentHealth>> ReadSourcesAsync(NpgsqlDataSource trading, TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        var sources = new SortedDictionary<string, ComponentHealth>(StringComparer.Ordinal);
        try
        {
            await using var command = trading.CreateCommand("select source, reason from ops.source_status");
            await using var reader = await command.ExecuteReaderAsync(limit.Token);
            while (await reader.ReadAsync(limit.Token))
            {
                sources[reader.GetString(0)] = reader.IsDBNull(1)
                    ? new ComponentHealth(ComponentHealth.Ok, null)
                    : new ComponentHealth(ComponentHealth.Failed, null, $"{Consequence(reader.GetString(0))}: {reader.GetString(1)}");
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or OperationCanceledException)
        {
            sources.Clear();
        }

        return sources;
    }

    private static string Consequence(string source) => source switch
    {
        "risk_time_bands" => "risks are given without a time-in-band coefficient",
        "kingfisher_clusters" => "ingestions store no liquidation clusters",
        _ => "left out",
    };

    private sealed record Computed(HealthzReport Report, bool DatabasesUp, long At);
}
