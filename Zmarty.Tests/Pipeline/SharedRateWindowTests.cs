using Zmarty.AppHost.Commands;
using Zmarty.Tests.AppHost;
using Zmarty.Tests.Database;

namespace Zmarty.Tests.Pipeline;

/// <summary>
/// Several Workers on one Cryptometer key, as KEDA runs them: the key's window is kept in B, so together they send no
/// more than the free plan's 10 calls per 5 s, which the emulator enforces strictly and counts per key.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class SharedRateWindowTests
{
    /// <summary>Six watched pairs: with the market-wide trend, about 27 calls, almost three windows' worth.</summary>
    private static readonly (string Symbol, string Timeframe)[] s_pairs =
    [
        ("BTC/USDT", "1h"), ("ETH/USDT", "1h"), ("SOL/USDT", "1h"), ("XRP/USDT", "4h"), ("ADA/USDT", "4h"), ("DOGE/USDT", "4h"),
    ];

    [Fact]
    public async Task Three_workers_on_one_free_key_ingest_six_watched_pairs_and_no_call_goes_over_the_rate()
    {
        // Two jobs at a time per Worker: the six ingestions are spread over the Workers rather than read by the first.
        await using var system = await PipelineSystem.StartAsync(
            new Dictionary<string, string> { ["Queues__Concurrency"] = "2" }, freeTier: true, appHostArgs: ["--Worker:Replicas=3"]);
        Assert.Equal(3, system.RunningReplicas("worker"));

        // Watchers of this test's own users; the cron's enqueue, called now rather than at its next run.
        foreach (var (symbol, timeframe) in s_pairs)
        {
            await Sql.ExecuteAsync(system.Trading,
                "insert into public.watchers (user_id, symbol, timeframe) values (gen_random_uuid(), $1, $2)", symbol, timeframe);
        }

        await Sql.ExecuteAsync(system.Trading, "select ops.enqueue_ingestion()");

        var symbols = s_pairs.Select(p => p.Symbol).ToArray();
        var timeframes = s_pairs.Select(p => p.Timeframe).ToArray();
        await PipelineSystem.EventuallyAsync(
            async () => await Sql.ScalarAsync<long>(system.Trading, """
                select count(*) from unnest($1::text[], $2::text[]) p (symbol, timeframe)
                where exists (select 1 from public.candles c where c.symbol = p.symbol and c.timeframe = p.timeframe)
                  and exists (select 1 from ops.job_runs r
                              where r.queue = 'ingest_indicators' and r.symbol = p.symbol and r.timeframe = p.timeframe
                                and r.outcome = 'succeeded')
                """, symbols, timeframes) == s_pairs.Length ? "" : null,
            "candles of all six pairs, and their ingestions' runs", TimeSpan.FromMinutes(3));

        // More ingestions ran at once than one Worker runs: the calls came from several Workers on the one key.
        var mostAtOnce = await Sql.ScalarAsync<long>(system.Trading, """
            with own as (
              select r.started_at, r.started_at + r.duration_ms * interval '1 millisecond' as ended_at
              from ops.job_runs r
              join unnest($1::text[], $2::text[]) p (symbol, timeframe) on p.symbol = r.symbol and p.timeframe = r.timeframe
              where r.queue = 'ingest_indicators'
            )
            select max((select count(*) from own o where o.started_at <= r.started_at and o.ended_at > r.started_at)) from own r
            """, symbols, timeframes);
        Assert.True(mostAtOnce > 2, $"at most {mostAtOnce} ingestions ran at once: one Worker may have run them all");

        var report = await system.RateLimitAsync();
        Assert.Equal((10, 5), (report.RequestsPerWindow, report.WindowSeconds));
        var key = Assert.Single(report.Keys, k => k.Key == LocalCommands.EmulatorKey);
        Assert.Equal(0L, key.Refused);
        // Candles, long/short ratio, liquidations and ticker of each pair at least: more calls than one window holds.
        Assert.True(key.Allowed >= 4 * s_pairs.Length, $"{key.Allowed} calls let through");
        Assert.DoesNotContain(await system.AllCallsAsync(), c => c.Status == 429);
    }
}
