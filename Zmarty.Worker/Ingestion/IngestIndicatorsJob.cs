using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Zmarty.Trading.Indicators;
using Zmarty.Trading.Risk;
using Zmarty.Trading.Signals;
using Zmarty.Worker.Clients;
using Zmarty.Worker.Queues;
using Zmarty.Worker.RiskGrids;

namespace Zmarty.Worker.Ingestion;

/// <summary>
/// <c>ingest_indicators</c> {symbol, timeframe}: fetches the candles, then the pair's readings from Cryptometer (the
/// candles first, so a pair without candles spends no more calls), the market-wide trend when this cycle has none yet,
/// and the liquidation clusters from King Fisher; computes the 21 indicators and the risk metric; and writes candles,
/// indicators (source internal and cryptometer), market_readings, liq_clusters and risk_metric, then enqueues
/// compute_signals, all in the transaction that acknowledges the message. A pair whose candles Cryptometer has none of
/// is recorded in B (<c>ops.provider_no_data</c>), which then leaves it alone for a while, so a pair that never has data
/// cannot keep spending the shared key's calls; its first candles clear the record. Only the candles are required: King
/// Fisher's clusters and the owner's days per band are secondary, and when one cannot be read the job goes on without it
/// and records that in <c>ops.source_status</c>.
/// </summary>
public sealed class IngestIndicatorsJob(
    CryptometerClient cryptometer,
    MarketTrendCache marketTrend,
    KingFisherClient kingFisher,
    RiskGridCache riskGrids,
    [FromKeyedServices("trading")] NpgsqlDataSource trading,
    TimeProvider time,
    ILogger<IngestIndicatorsJob> logger)
    : IQueueJob
{
    public const string QueueName = "ingest_indicators";

    /// <summary>Returns the risk metric's drawdown and Sharpe are measured over: a month of daily bars, two days of hourly.</summary>
    private const int RiskWindow = 30;

    public string Queue => QueueName;

    public async Task<JobWrite> RunAsync(QueueMessage message, JobKey key, CancellationToken cancellationToken)
    {
        var interval = Timeframes.Interval(key.Timeframe);
        var symbol = MarketSymbol.Parse(key.Symbol);
        Bar[] bars;
        DateTimeOffset now;
        try
        {
            var fetched = await cryptometer.GetCandlesAsync(symbol, key.Timeframe, cancellationToken);

            // The bar still open is not a candle yet: its close would change with every fetch.
            now = time.GetUtcNow();
            bars = [.. fetched.Where(b => b.Time + interval <= now)];
            if (bars.Length == 0)
            {
                throw new ProviderException(ProviderFailure.NoData, "ohlcv", $"no closed {key.Timeframe} candle for {key.Symbol}");
            }
        }
        catch (ProviderException ex) when (ex.Failure == ProviderFailure.NoData)
        {
            await RecordNoDataAsync(key, cancellationToken);
            throw;
        }

        var last = bars[^1];
        var market = await cryptometer.GetPairReadingsAsync(symbol, key.Timeframe, cancellationToken);
        var (trend, trendFetched) = await marketTrend.GetAsync(cryptometer, cancellationToken);
        var (clusters, clustersFailure) = await ClustersAsync(symbol, last.Close, cancellationToken);
        var snapshot = IndicatorSeries.Compute(bars).Latest()!;
        var closes = bars.Select(b => b.Close).ToArray();
        var statistics = RiskStatistics.Measure(closes, interval, RiskWindow);
        var grid = await riskGrids.ForAsync(symbol, bars.Min(b => b.Low), bars.Max(b => b.High), cancellationToken);
        var owner = grid.Grid is { } g ? OwnerRiskMetric.Read(g, last.Close, grid.Bands) : null;

        return async (connection, transaction, ct) =>
        {
            await UpsertCandlesAsync(connection, transaction, key, bars, ct);
            await UpsertIndicatorsAsync(connection, transaction, key, last.Time, "internal", snapshot.ToDictionary(), bars.Length, ct);
            await UpsertIndicatorsAsync(connection, transaction, key, last.Time, "cryptometer", market, null, ct);
            if (trendFetched && trend is not null)
            {
                await UpsertAsync(connection, transaction, """
                    insert into public.market_readings (source, name, at, data) values ('cryptometer', 'trend', $1, $2)
                    on conflict (source, name) do update set at = excluded.at, data = excluded.data, fetched_at = now()
                    """, ct, trend.At ?? now, Json(new
                {
                    trend_score = trend.TrendScore,
                    buy_pressure = trend.BuyPressurePercent,
                    sell_pressure = trend.SellPressurePercent,
                }));
            }

            if (clusters is not null)
            {
                await UpsertAsync(connection, transaction, """
                    insert into public.liq_clusters (symbol, at, clusters) values ($1, $2, $3)
                    on conflict (symbol, at) do update set clusters = excluded.clusters
                    """, ct, key.Symbol, last.Time,
                    Json(clusters.Select(c => new
                    {
                        price = c.Price, volume = c.Volume, side = c.Side == LiquidationSide.Long ? "long" : "short",
                    })));
            }

            await RecordSourceAsync(connection, transaction, "kingfisher_clusters", clustersFailure, ct);
            await RecordSourceAsync(connection, transaction, "risk_time_bands", grid.BandsFailure, ct);
            await UpsertAsync(connection, transaction, """
                insert into public.risk_metric (symbol, at, metrics) values ($1, $2, $3)
                on conflict (symbol, at) do update set metrics = excluded.metrics
                """, ct, key.Symbol, last.Time, Json(RiskMetricRow(key.Timeframe, owner, grid, statistics)));
            await UpsertAsync(connection, transaction, """
                insert into ops.risk_grid_status (symbol, status, reason, checked_at) values ($1, $2, $3, now())
                on conflict (symbol) do update set status = excluded.status, reason = excluded.reason, checked_at = excluded.checked_at
                """, ct, grid.Symbol, grid.Status, (object?)grid.Refusal ?? DBNull.Value);
            await UpsertAsync(connection, transaction, "select ops.clear_provider_no_data($1, $2)", ct, key.Symbol, key.Timeframe);
            await PgmqQueue.SendAsync(connection, transaction, "compute_signals", new { symbol = key.Symbol, timeframe = key.Timeframe }, QueueTracing.CurrentHeaders(), ct);
        };
    }

    /// <summary>
    /// The newest clusters of the pair, or none and why: King Fisher is secondary, so its failure (the owner's table gone,
    /// the vendor's login refused, a timeout) costs the pair its clusters, never its candles.
    /// </summary>
    private async Task<(IReadOnlyList<LiquidationCluster>? Clusters, string? Failure)> ClustersAsync(
        MarketSymbol symbol, double price, CancellationToken cancellationToken)
    {
        try
        {
            return (await kingFisher.GetClustersAsync(symbol, price, cancellationToken), null);
        }
        catch (Exception ex) when (ex is ProviderException or HttpRequestException or Polly.Timeout.TimeoutRejectedException
                                   && !cancellationToken.IsCancellationRequested)
        {
            IngestionLog.ClustersLeftOut(logger, symbol.Pair, ex.Message);
            return (null, $"{symbol.Pair}: {ex.Message}");
        }
    }

    private static Task RecordSourceAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string source, string? failure, CancellationToken cancellationToken) =>
        UpsertAsync(connection, transaction, """
            insert into ops.source_status (source, status, reason, checked_at) values ($1, $2, $3, now())
            on conflict (source) do update set status = excluded.status, reason = excluded.reason, checked_at = excluded.checked_at
            """, cancellationToken, source, failure is null ? "ok" : "failing", (object?)failure ?? DBNull.Value);

    /// <summary>
    /// Counts the pair's miss in B, which sets when it may be asked for again. The message is archived as before; a miss
    /// that cannot be recorded (B unreachable) only loses the backoff, so it is logged and the rejection stands.
    /// </summary>
    private async Task RecordNoDataAsync(JobKey key, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = trading.CreateCommand("select ops.record_provider_no_data($1, $2)");
            command.Parameters.Add(new NpgsqlParameter { Value = key.Symbol });
            command.Parameters.Add(new NpgsqlParameter { Value = key.Timeframe });
            var retryAfter = (DateTime)(await command.ExecuteScalarAsync(cancellationToken))!;
            IngestionLog.NoDataBackoff(logger, key.Symbol, key.Timeframe, new DateTimeOffset(retryAfter, TimeSpan.Zero));
        }
        catch (NpgsqlException ex)
        {
            IngestionLog.NoDataNotRecorded(logger, key.Symbol, key.Timeframe, ex.Message);
        }
    }

    /// <summary>
    /// <c>risk_metric.metrics</c>: the owner's risk at the bar's close with its band, zone, coefficient, score and signal,
    /// or, without a valid grid, no risk and the reason; the price statistics either way.
    /// </summary>
    private static object RiskMetricRow(string timeframe, OwnerRiskReading? owner, GridVerdict grid, ReturnStatistics statistics) => new
    {
        timeframe,
        risk = owner?.Risk,
        risk_source = owner is null ? null : "owner_grid",
        grid_symbol = grid.Symbol,
        grid_refused = grid.Refusal,
        band = owner?.BandLabel,
        zone = owner?.Zone.ToString().ToLowerInvariant(),
        coefficient = owner?.Coefficient,
        coefficient_unavailable = owner is { Coefficient: null } ? grid.BandsFailure : null,
        base_score = owner?.BaseScore,
        score = owner?.Score,
        signal = owner?.Signal.ToString().ToUpperInvariant(),
        volatility = statistics.Volatility,
        max_drawdown = statistics.MaxDrawdown,
        sharpe = statistics.Sharpe,
        window = RiskWindow,
    };

    private static async Task UpsertCandlesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, JobKey key, Bar[] bars, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            insert into public.candles (symbol, timeframe, open_time, open, high, low, close, volume)
            select $1, $2, t.* from unnest($3::timestamptz[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::float8[]) as t
            on conflict (symbol, timeframe, open_time) do update
              set open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close,
                  volume = excluded.volume, fetched_at = now()
              where (candles.open, candles.high, candles.low, candles.close, candles.volume)
                is distinct from (excluded.open, excluded.high, excluded.low, excluded.close, excluded.volume)
            """, connection, transaction);
        command.Parameters.Add(new() { Value = key.Symbol });
        command.Parameters.Add(new() { Value = key.Timeframe });
        command.Parameters.Add(new() { Value = bars.Select(b => b.Time).ToArray() });
        command.Parameters.Add(new() { Value = bars.Select(b => b.Open).ToArray() });
        command.Parameters.Add(new() { Value = bars.Select(b => b.High).ToArray() });
        command.Parameters.Add(new() { Value = bars.Select(b => b.Low).ToArray() });
        command.Parameters.Add(new() { Value = bars.Select(b => b.Close).ToArray() });
        command.Parameters.Add(new() { Value = bars.Select(b => b.Volume).ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static Task UpsertIndicatorsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, JobKey key, DateTimeOffset at, string source, object data, int? candles, CancellationToken cancellationToken) =>
        UpsertAsync(connection, transaction, """
            insert into public.indicators (symbol, timeframe, at, source, data, last_candle_at, candle_count)
            values ($1, $2, $3, $4, $5, case when $6::int is null then null else $3 end, $6)
            on conflict (symbol, timeframe, at, source) do update
              set data = excluded.data, last_candle_at = excluded.last_candle_at, candle_count = excluded.candle_count
            """, cancellationToken, key.Symbol, key.Timeframe, at, source, Json(data), (object?)candles ?? DBNull.Value);

    private static async Task UpsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in values)
        {
            command.Parameters.Add(value is JsonText json
                ? new NpgsqlParameter { Value = json.Text, NpgsqlDbType = NpgsqlDbType.Jsonb }
                : new NpgsqlParameter { Value = value });
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static JsonText Json(object value) => new(JsonSerializer.Serialize(value, JsonOptions.Snake));

    private sealed record JsonText(string Text);
}
