using System.Text.Json;
using Npgsql;
using Zmarty.Trading.Indicators;
using Zmarty.Trading.Signals;
using Zmarty.Trading.Sizing;
using Zmarty.Worker.Ingestion;
using Zmarty.Worker.Queues;

namespace Zmarty.Worker.Signals;

/// <summary>What a signal is scored from, read back from B for the latest ingested bar, and the position before it.</summary>
internal sealed record StoredInputs(SignalInput Input, PositionState? Position)
{
    private const string Sql = """
        select i.at, i.data, c.close, m.data, r.metrics, l.clusters, t.data,
               (select s.metadata -> 'position' from public.signals s
                 where s.symbol = i.symbol and s.timeframe = i.timeframe and s.user_id is null
                   and s.strategy_version = $3 and s.at < i.at
                 order by s.at desc limit 1)
        from public.indicators i
        join public.candles c on c.symbol = i.symbol and c.timeframe = i.timeframe and c.open_time = i.last_candle_at
        left join public.indicators m on m.symbol = i.symbol and m.timeframe = i.timeframe and m.at = i.at and m.source = 'cryptometer'
        left join public.risk_metric r on r.symbol = i.symbol and r.at = i.at
        left join public.liq_clusters l on l.symbol = i.symbol and l.at = i.at
        left join public.market_readings t on t.source = 'cryptometer' and t.name = 'trend' and t.at > i.at - interval '1 day'
        where i.symbol = $1 and i.timeframe = $2 and i.source = 'internal'
        order by i.at desc
        limit 1
        """;

    public static async Task<StoredInputs?> ReadAsync(NpgsqlConnection connection, JobKey key, string strategyVersion, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(Sql, connection);
        command.Parameters.Add(new() { Value = key.Symbol });
        command.Parameters.Add(new() { Value = key.Timeframe });
        command.Parameters.Add(new() { Value = strategyVersion });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var at = reader.GetFieldValue<DateTimeOffset>(0);
        var close = reader.GetDouble(2);
        using var indicators = JsonDocument.Parse(reader.GetString(1));
        var snapshot = Snapshot(at, close, indicators.RootElement);
        var market = reader.IsDBNull(3) ? null : JsonSerializer.Deserialize<MarketReadings>(reader.GetString(3), JsonOptions.Snake);
        using var risk = reader.IsDBNull(4) ? null : JsonDocument.Parse(reader.GetString(4));
        var clusters = reader.IsDBNull(5) ? null : JsonSerializer.Deserialize<List<StoredCluster>>(reader.GetString(5), JsonOptions.Snake);
        var trend = reader.IsDBNull(6) ? null : JsonSerializer.Deserialize<StoredTrend>(reader.GetString(6), JsonOptions.Snake);
        var position = reader.IsDBNull(7) ? null : JsonSerializer.Deserialize<StoredPosition?>(reader.GetString(7), JsonOptions.Snake);
        if (trend is not null)
        {
            // The trend is market-wide (one reading for every pair); the pair's own readings come from its row.
            market = (market ?? new MarketReadings()) with
            {
                TrendScore = trend.TrendScore, BuyPressure = trend.BuyPressure, SellPressure = trend.SellPressure,
            };
        }

        var input = new SignalInput(key.Symbol, key.Timeframe, at, close)
        {
            Indicators = snapshot,
            Market = market,
            Risk = Number(risk, "risk"),
            Volatility = Number(risk, "volatility"),
            Clusters = clusters?.Select(c => new LiquidationCluster(c.Price, c.Volume, c.Side == "long" ? LiquidationSide.Long : LiquidationSide.Short)).ToList(),
        };
        return new StoredInputs(input, position?.ToState());
    }

    /// <summary>The snapshot an indicators row holds: each line under its key (null while it warmed up).</summary>
    public static IndicatorSnapshot Snapshot(DateTimeOffset at, double close, JsonElement data) =>
        new(at, close, [.. IndicatorLines.All.Select(line =>
            (line, data.TryGetProperty(line.Key(), out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : (double?)null))]);

    private static double? Number(JsonDocument? document, string name) =>
        document?.RootElement.TryGetProperty(name, out var value) == true && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    private sealed record StoredTrend(double? TrendScore, double? BuyPressure, double? SellPressure);

    private sealed record StoredCluster(double Price, double Volume, string Side);

    private sealed record StoredPosition(string Direction, int Stage, double LastStepScore, DateTimeOffset LastStepAt)
    {
        public PositionState ToState() => new(Enum.Parse<SignalDirection>(Direction), Stage, LastStepScore, LastStepAt);
    }
}
