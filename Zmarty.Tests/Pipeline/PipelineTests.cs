using System.Text.Json;
using Zmarty.Emulators.Market;
using Zmarty.Tests.AppHost;
using Zmarty.Tests.Database;
using Zmarty.Trading.Indicators;
using Zmarty.Trading.Risk;

namespace Zmarty.Tests.Pipeline;

/// <summary>
/// The pipeline on one system with the Worker's default settings: each test uses symbols of its own, so
/// what one enqueues and what the emulators do for it touch no other test's rows.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class PipelineTests(PipelineTests.Fixture fixture) : IClassFixture<PipelineTests.Fixture>
{
    private const string Ingest = "ingest_indicators";

    [Fact]
    public async Task An_ingest_job_writes_candles_indicators_clusters_and_risk_then_a_signal_appears_once()
    {
        var system = fixture.System;

        var ingest = await system.SendAsync(Ingest, new { symbol = "BTC/USDT", timeframe = "1h" });
        PipelineSystem.AssertSucceededOnce(await system.FinishedAsync(Ingest, ingest));

        Assert.True(await Sql.ScalarAsync<long>(system.Trading, "select count(*) from public.candles where symbol = 'BTC/USDT' and timeframe = '1h'") > 200);
        Assert.Equal(["cryptometer", "internal"], await Sql.ColumnAsync<string>(system.Trading, "select source from public.indicators where symbol = 'BTC/USDT' order by source"));
        Assert.True(await Sql.ScalarAsync<int>(system.Trading, "select jsonb_array_length(clusters) from public.liq_clusters where symbol = 'BTC/USDT'") > 0);
        await TheRiskIsTheOwnersGridAtTheCloseAsync(system);

        // Ingestion enqueued compute_signals in its own transaction; the Worker scores it.
        var signal = await PipelineSystem.EventuallyAsync(
            async () => (await Sql.ColumnAsync<string>(system.Trading, "select metadata::text from public.signals where symbol = 'BTC/USDT' and timeframe = '1h'")).SingleOrDefault(),
            "the signal");
        using (var metadata = JsonDocument.Parse(signal))
        {
            var doubling = metadata.RootElement.GetProperty("doubling");
            Assert.True(doubling.TryGetProperty("action", out _));
            Assert.Equal(
                doubling.GetProperty("guardrails_failed").EnumerateArray().Select(g => g.GetProperty("guardrail").GetString()).FirstOrDefault(),
                doubling.GetProperty("held_back_by").GetString());
        }

        // Scoring the same bar again writes nothing new.
        var again = await system.SendAsync("compute_signals", new { symbol = "BTC/USDT", timeframe = "1h" });
        PipelineSystem.AssertSucceededOnce(await system.FinishedAsync("compute_signals", again));
        Assert.Equal(1L, await Sql.ScalarAsync<long>(system.Trading, "select count(*) from public.signals where symbol = 'BTC/USDT'"));

        var winRate = await system.SendAsync("compute_winrate", new { symbol = "BTC/USDT", timeframe = "1h", lookback_days = 30 });
        PipelineSystem.AssertSucceededOnce(await system.FinishedAsync("compute_winrate", winRate));
        Assert.Equal(1L, await Sql.ScalarAsync<long>(system.Trading, "select count(*) from public.win_rate where symbol = 'BTC/USDT' and lookback_days = 30"));

        await StoredIndicatorsEqualTheLibraryOnTheirCandlesAsync(system);
    }

    [Fact]
    public async Task A_pair_whose_grid_is_refused_has_no_risk_and_says_why_while_its_other_statistics_are_kept()
    {
        var system = fixture.System;

        var ingest = await system.SendAsync(Ingest, new { symbol = "FAR/USDT", timeframe = "1h" });
        PipelineSystem.AssertSucceededOnce(await system.FinishedAsync(Ingest, ingest));

        using var metrics = JsonDocument.Parse(await Sql.ScalarAsync<string>(system.Trading,
            "select metrics::text from public.risk_metric where symbol = 'FAR/USDT'"));
        var row = metrics.RootElement;
        Assert.Equal(JsonValueKind.Null, row.GetProperty("risk").ValueKind);
        Assert.StartsWith("its lowest price", row.GetProperty("grid_refused").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Number, row.GetProperty("max_drawdown").ValueKind);
        Assert.Equal("refused",
            await Sql.ScalarAsync<string>(system.Trading, "select status from ops.risk_grid_status where symbol = 'FAR'"));
    }

    [Fact]
    public async Task Provider_faults_are_retried_archived_waited_out_or_rejected_as_each_deserves()
    {
        var system = fixture.System;
        await system.FaultAsync(new Fault("ohlcv", FaultMode.Fail, Times: 2, Symbol: "FLAKY"));
        await system.FaultAsync(new Fault("ohlcv", FaultMode.Fail, Symbol: "DOWN"));
        await system.FaultAsync(new Fault("ohlcv", FaultMode.RateLimit, Times: 1, Symbol: "BUSY", RetryAfterSeconds: 2));
        await system.FaultAsync(new Fault("ohlcv", FaultMode.NoData, Symbol: "NOSUCH"));

        var flaky = await system.SendAsync(Ingest, new { symbol = "FLAKY/USDT", timeframe = "1h" });
        var down = await system.SendAsync(Ingest, new { symbol = "DOWN/USDT", timeframe = "1h" });
        var busy = await system.SendAsync(Ingest, new { symbol = "BUSY/USDT", timeframe = "1h" });
        var unknown = await system.SendAsync(Ingest, new { symbol = "NOSUCH/USDT", timeframe = "1h" });

        // Fails twice, then succeeds: the client's retries absorb it, and the message is processed once.
        PipelineSystem.AssertSucceededOnce(await system.FinishedAsync(Ingest, flaky));
        Assert.Equal([500, 500, 200], (await system.CallsAsync("ohlcv", "FLAKY")).Select(c => c.Status));

        // Always fails: three attempts, the last archived, each visible in ops.job_runs.
        var runs = await system.FinishedAsync(Ingest, down);
        Assert.Equal([(1, "retrying"), (2, "retrying"), (3, "failed")], runs.Select(r => (r.Attempt, r.Outcome)));
        Assert.All(runs, r => Assert.Contains("500", r.Error, StringComparison.Ordinal));
        Assert.Equal(1L, await Sql.ScalarAsync<long>(system.Trading,
            "select count(*) from pgmq.a_ingest_indicators where msg_id = $1", down));

        // 429 with Retry-After: one wait of the stated length, then one more call.
        PipelineSystem.AssertSucceededOnce(await system.FinishedAsync(Ingest, busy));
        var calls = await system.CallsAsync("ohlcv", "BUSY");
        Assert.Equal([429, 200], calls.Select(c => c.Status));
        Assert.True(calls[1].At - calls[0].At >= TimeSpan.FromSeconds(1.9), $"the retry came {calls[1].At - calls[0].At} after the 429");

        // A symbol the provider does not know: archived at once with the reason, asked for once.
        var rejected = Assert.Single(await system.FinishedAsync(Ingest, unknown));
        Assert.Equal("archived", rejected.Outcome);
        Assert.Contains("NoData", rejected.Error, StringComparison.Ordinal);
        Assert.Single(await system.CallsAsync("ohlcv", "NOSUCH"));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(system.Trading,
            "select count(*) from public.candles where symbol in ('DOWN/USDT', 'NOSUCH/USDT')"));
    }

    /// <summary>The risk_metric row of BTC's bar holds what the owner's grid gives at that bar's close.</summary>
    private static async Task TheRiskIsTheOwnersGridAtTheCloseAsync(PipelineSystem system)
    {
        var (grid, bands) = await system.OwnerRiskTablesAsync("BTC");
        var close = await Sql.ScalarAsync<double>(system.Trading, """
            select c.close from public.risk_metric r
            join public.candles c on c.symbol = r.symbol and c.timeframe = '1h' and c.open_time = r.at
            where r.symbol = 'BTC/USDT'
            """);
        using var metrics = JsonDocument.Parse(await Sql.ScalarAsync<string>(system.Trading,
            "select metrics::text from public.risk_metric where symbol = 'BTC/USDT'"));
        var row = metrics.RootElement;

        var expected = OwnerRiskMetric.Read(grid, close, bands);
        Assert.Equal(expected.Risk, row.GetProperty("risk").GetDouble());
        Assert.Equal(expected.BandLabel, row.GetProperty("band").GetString());
        Assert.Equal(expected.Coefficient, row.GetProperty("coefficient").GetDouble());
        Assert.Equal(expected.Score, row.GetProperty("score").GetDouble(), 9);
        Assert.Equal("owner_grid", row.GetProperty("risk_source").GetString());
        Assert.Equal("ok", await Sql.ScalarAsync<string>(system.Trading, "select status from ops.risk_grid_status where symbol = 'BTC'"));
    }

    /// <summary>The internal indicators row names its candles (last open time, count); computing over them gives the same values.</summary>
    private static async Task StoredIndicatorsEqualTheLibraryOnTheirCandlesAsync(PipelineSystem system)
    {
        await using var row = Sql.Command(system.Trading, """
            select data::text, last_candle_at, candle_count from public.indicators
            where symbol = 'BTC/USDT' and timeframe = '1h' and source = 'internal'
            """);
        await using var reader = await row.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var stored = JsonSerializer.Deserialize<Dictionary<string, double?>>(reader.GetString(0))!;
        var last = reader.GetFieldValue<DateTimeOffset>(1);
        var count = reader.GetInt32(2);
        await reader.DisposeAsync();

        await using var candles = Sql.Command(system.Trading, """
            select open_time, open, high, low, close, volume from (
              select * from public.candles where symbol = 'BTC/USDT' and timeframe = '1h' and open_time <= $1
              order by open_time desc limit $2) c
            order by open_time
            """, last, count);
        await using var bars = await candles.ExecuteReaderAsync();
        List<Bar> series = [];
        while (await bars.ReadAsync())
        {
            series.Add(new Bar(bars.GetFieldValue<DateTimeOffset>(0), bars.GetDouble(1), bars.GetDouble(2), bars.GetDouble(3), bars.GetDouble(4), bars.GetDouble(5)));
        }

        Assert.Equal(count, series.Count);
        Assert.Equal(last, series[^1].Time);
        var expected = IndicatorSeries.Compute(series.ToArray()).Latest()!.ToDictionary();
        Assert.Equal(expected.Keys.Order(), stored.Keys.Order());
        Assert.All(expected, line => Assert.Equal(line.Value, stored[line.Key]));
    }

    public sealed class Fixture : IAsyncLifetime
    {
        private PipelineSystem? _system;

        internal PipelineSystem System => _system ?? throw new InvalidOperationException("The system is not started.");

        public async Task InitializeAsync() => _system = await PipelineSystem.StartAsync();

        public async Task DisposeAsync() => await System.DisposeAsync();
    }
}
