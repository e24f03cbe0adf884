using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Zmarty.Testing;
using Zmarty.Benchmarks.Database;

namespace Zmarty.Benchmarks.Pipeline;

/// <summary>
/// The whole pipeline against the emulators (zero latency, rate limits lifted): N watched symbols × 3 timeframes,
/// enqueued by the cron's own function, drained through ingest_indicators and compute_signals by one Worker.
/// Reports the time to drain, jobs/s, the Worker's CPU and peak memory, and the machine's load around the run.
/// </summary>
public static class PipelineThroughput
{
    private static readonly string[] s_timeframes = ["15m", "1h", "4h"];

    public static bool Handles(string[] args) => args is ["pipeline", ..];

    /// <summary><c>pipeline [symbols=1000] [concurrency=16]</c>.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var symbols = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000;
        var concurrency = args.Length > 2 ? args[2] : "16";
        Console.WriteLine($"Starting B, the emulators and one Worker (concurrency {concurrency}, {Environment.ProcessorCount} cores visible)...");
        await using var app = await TestSystem.StartAsync(builder =>
        {
            builder.RemoveResource("admin");
            var worker = builder.GetResource<ProjectResource>("worker");
            // A flood, not a key's month: no rate limit on either side, no monthly budget.
            builder.GetResource<ProjectResource>("emulators").WithEnvironment("Market__RequestsPerWindow", "0");
            worker.WithEnvironment("Cryptometer__RequestsPerWindow", "0")
                .WithEnvironment("Cryptometer__MonthlyCallBudget", "0")
                .WithEnvironment("KingFisher__RequestsPerWindow", "0")
                .WithEnvironment("Queues__Concurrency", concurrency)
                .WithEnvironment("Queues__BatchSize", concurrency)
                .WithEnvironment("Queues__PollIntervalMilliseconds", "100")
                .WithEnvironment("Logging__LogLevel__Zmarty", "Warning");
        });
        await using var trading = NpgsqlDataSource.Create(app.GetConnectionString("trading"));
        await using (var insert = trading.CreateCommand("""
            insert into public.watchers (user_id, symbol, timeframe)
            select gen_random_uuid(), format('C%s/USDT', lpad(i::text, 4, '0')), tf
            from generate_series(1, $1) i cross join unnest($2::text[]) tf
            """))
        {
            insert.Parameters.Add(new() { Value = symbols });
            insert.Parameters.Add(new() { Value = s_timeframes });
            await insert.ExecuteNonQueryAsync();
        }

        var workerPid = app.ServiceProcessId("worker");
        var emulatorsPid = app.ServiceProcessId("emulators");
        Console.WriteLine($"Load average before (1/5/15 min): {DatabaseBenchmarks.LoadAverage()}");
        var workerCpu = ProcessStats.CpuSeconds(workerPid);
        var emulatorsCpu = ProcessStats.CpuSeconds(emulatorsPid);
        var clock = Stopwatch.StartNew();

        await using (var enqueue = trading.CreateCommand("select ops.enqueue_ingestion()"))
        {
            Console.WriteLine($"Enqueued {await enqueue.ExecuteScalarAsync()} ingest_indicators messages.");
        }

        var expected = symbols * s_timeframes.Length;
        long done = 0;
        var lastReport = TimeSpan.Zero;
        while (done < expected * 2)
        {
            await Task.Delay(250);
            await using var count = trading.CreateCommand("select count(*) from ops.job_runs where outcome in ('succeeded', 'failed', 'archived')");
            done = (long)(await count.ExecuteScalarAsync())!;
            if (clock.Elapsed - lastReport > TimeSpan.FromSeconds(10))
            {
                lastReport = clock.Elapsed;
                Console.WriteLine($"  {clock.Elapsed.TotalSeconds,6:F1} s: {done} of {expected * 2} jobs done");
            }
        }

        var elapsed = clock.Elapsed;
        workerCpu = ProcessStats.CpuSeconds(workerPid) - workerCpu;
        emulatorsCpu = ProcessStats.CpuSeconds(emulatorsPid) - emulatorsCpu;
        await using var outcomes = trading.CreateCommand("select queue, outcome, count(*) from ops.job_runs group by 1, 2 order by 1, 2");
        await using (var reader = await outcomes.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                Console.WriteLine($"  {reader.GetString(0)} {reader.GetString(1)}: {reader.GetInt64(2)}");
            }
        }

        Console.WriteLine($"Drained {expected} pairs ({expected * 2} jobs) in {elapsed.TotalSeconds:F1} s: {expected * 2 / elapsed.TotalSeconds:F0} jobs/s, {expected / elapsed.TotalSeconds:F0} pairs/s.");
        Console.WriteLine($"Worker CPU {workerCpu:F1} s ({workerCpu / elapsed.TotalSeconds * 100:F0} % of one core), peak RSS {ProcessStats.PeakMegabytes(workerPid):F0} MB; emulators CPU {emulatorsCpu:F1} s.");
        Console.WriteLine($"Load average after (1/5/15 min): {DatabaseBenchmarks.LoadAverage()}");
        return 0;
    }
}
