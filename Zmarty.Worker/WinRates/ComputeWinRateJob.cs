using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Zmarty.Trading.Indicators;
using Zmarty.Trading.Signals;
using Zmarty.Trading.WinRate;
using Zmarty.Worker.Ingestion;
using Zmarty.Worker.Queues;

namespace Zmarty.Worker.WinRates;

/// <summary>
/// <c>compute_winrate</c> {symbol, timeframe, lookback_days}: resolves the global signals of the lookback against
/// the candles stored after them, as of the last stored candle (no look-ahead), and writes <c>win_rate</c> with the
/// statistics of docs/trading-statistics.md in <c>params</c>.
/// </summary>
public sealed class ComputeWinRateJob(
    [FromKeyedServices("trading")] NpgsqlDataSource dataSource, IOptions<WinRateOptions> options, IOptions<SignalScoringOptions> scoring) : IQueueJob
{
    public const string QueueName = "compute_winrate";

    private readonly string _strategyVersion = new SignalScorer(scoring.Value).StrategyVersion;

    public string Queue => QueueName;

    public async Task<JobWrite> RunAsync(QueueMessage message, JobKey key, CancellationToken cancellationToken)
    {
        var lookbackDays = message.Body.TryGetProperty("lookback_days", out var days) && days.TryGetInt32(out var value) && value > 0
            ? value
            : throw new JobRejectedException($"lookback_days must be a positive whole number, got {message.Body.GetRawText()}");
        var horizon = Timeframes.Interval(key.Timeframe) * options.Value.HorizonBars;

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var asOf = await LastCandleAsync(connection, key, cancellationToken)
            ?? throw new JobRejectedException($"no candles stored for {key.Symbol} {key.Timeframe}: ingest it first");
        var signals = await SignalsAsync(connection, key, asOf - TimeSpan.FromDays(lookbackDays), cancellationToken);
        var bars = signals.Count == 0 ? [] : await BarsAsync(connection, key, signals[0].At, asOf, cancellationToken);
        var statistics = WinRateStatistics.From(SignalResolver.ResolveAll(signals, bars, horizon, asOf));
        var parameters = JsonSerializer.Serialize(new
        {
            statistics,
            as_of = asOf,
            horizon_bars = options.Value.HorizonBars,
            signals = signals.Count,
        }, JsonOptions.Snake);

        return async (connection, transaction, ct) =>
        {
            await using var upsert = new NpgsqlCommand("""
                insert into public.win_rate (symbol, timeframe, lookback_days, win_rate, sample_size, params, strategy_version, computed_at)
                values ($1, $2, $3, $4, $5, $6, $7, now())
                on conflict (symbol, timeframe, lookback_days, strategy_version) do update
                  set win_rate = excluded.win_rate, sample_size = excluded.sample_size, params = excluded.params, computed_at = excluded.computed_at
                """, connection, transaction);
            upsert.Parameters.Add(new() { Value = key.Symbol });
            upsert.Parameters.Add(new() { Value = key.Timeframe });
            upsert.Parameters.Add(new() { Value = lookbackDays });
            // The column cannot be null; with nothing resolved the sample size of 0 says the 0 means nothing.
            upsert.Parameters.Add(new() { Value = statistics.WinRate ?? 0, NpgsqlDbType = NpgsqlDbType.Numeric });
            upsert.Parameters.Add(new() { Value = statistics.SampleSize });
            upsert.Parameters.Add(new() { Value = parameters, NpgsqlDbType = NpgsqlDbType.Jsonb });
            upsert.Parameters.Add(new() { Value = _strategyVersion });
            await upsert.ExecuteNonQueryAsync(ct);
        };
    }

    private static async Task<DateTimeOffset?> LastCandleAsync(NpgsqlConnection connection, JobKey key, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("select max(open_time) from public.candles where symbol = $1 and timeframe = $2", connection);
        command.Parameters.Add(new() { Value = key.Symbol });
        command.Parameters.Add(new() { Value = key.Timeframe });
        return await command.ExecuteScalarAsync(cancellationToken) is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
    }

    private async Task<List<PastSignal>> SignalsAsync(NpgsqlConnection connection, JobKey key, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            select at, direction, entry_price::float8, stop_loss::float8, take_profit[1]::float8
            from public.signals
            where symbol = $1 and timeframe = $2 and user_id is null and strategy_version = $3 and at >= $4
              and direction in ('long', 'short') and entry_price is not null and stop_loss is not null and take_profit[1] is not null
            order by at
            """, connection);
        command.Parameters.Add(new() { Value = key.Symbol });
        command.Parameters.Add(new() { Value = key.Timeframe });
        command.Parameters.Add(new() { Value = _strategyVersion });
        command.Parameters.Add(new() { Value = since });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        List<PastSignal> signals = [];
        while (await reader.ReadAsync(cancellationToken))
        {
            var direction = reader.GetString(1) == "long" ? SignalDirection.Long : SignalDirection.Short;
            signals.Add(new PastSignal(reader.GetFieldValue<DateTimeOffset>(0), direction, reader.GetDouble(2), reader.GetDouble(3), reader.GetDouble(4)));
        }

        return signals;
    }

    private static async Task<Bar[]> BarsAsync(NpgsqlConnection connection, JobKey key, DateTimeOffset from, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            select open_time, open, high, low, close, volume from public.candles
            where symbol = $1 and timeframe = $2 and open_time > $3 and open_time <= $4
            order by open_time
            """, connection);
        command.Parameters.Add(new() { Value = key.Symbol });
        command.Parameters.Add(new() { Value = key.Timeframe });
        command.Parameters.Add(new() { Value = from });
        command.Parameters.Add(new() { Value = asOf });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        List<Bar> bars = [];
        while (await reader.ReadAsync(cancellationToken))
        {
            bars.Add(new Bar(reader.GetFieldValue<DateTimeOffset>(0), reader.GetDouble(1), reader.GetDouble(2), reader.GetDouble(3), reader.GetDouble(4), reader.GetDouble(5)));
        }

        return [.. bars];
    }
}
