using System.Text.Json;
using Microsoft.Extensions.Options;
using Polly.Timeout;
using Zmarty.Trading.Indicators;
using Zmarty.Trading.Signals;

namespace Zmarty.Worker.Clients;

/// <summary>
/// Cryptometer (docs/domain.md §4): candles, the per-pair readings a signal uses, and the market-wide trend. Every
/// call spends the key's budget, so the callers ask for what is due only (docs/pipeline.md, "Calls by need").
/// </summary>
public sealed class CryptometerClient(HttpClient http, IOptions<CryptometerOptions> options, ILogger<CryptometerClient> logger)
{
    private readonly CryptometerOptions _options = options.Value;

    /// <summary>Cryptometer's spelling of our timeframes; it serves no 1m and no 1w.</summary>
    public static string Timeframe(string timeframe) => timeframe switch
    {
        "5m" or "15m" or "30m" or "1h" or "4h" => timeframe,
        "1d" => "d",
        _ => throw new ProviderException(ProviderFailure.UnsupportedTimeframe, "ohlcv", $"Cryptometer serves no '{timeframe}' candles."),
    };

    /// <summary>The candles Cryptometer has for the pair, oldest first, each stamped by its open time.</summary>
    public async Task<IReadOnlyList<Bar>> GetCandlesAsync(MarketSymbol symbol, string timeframe, CancellationToken cancellationToken)
    {
        var frame = Timeframe(timeframe);
        using var document = await GetAsync("ohlcv", cancellationToken, ("e", _options.Exchange), ("pair", symbol.Pair), ("timeframe", frame));
        var rows = ProviderEnvelope.Data(document, "ohlcv");
        var bars = new List<Bar>(rows.GetArrayLength());
        foreach (var row in rows.EnumerateArray())
        {
            bars.Add(new Bar(
                OpenTime(row),
                ProviderEnvelope.Required(row, "open", "ohlcv"),
                ProviderEnvelope.Required(row, "high", "ohlcv"),
                ProviderEnvelope.Required(row, "low", "ohlcv"),
                ProviderEnvelope.Required(row, "close", "ohlcv"),
                ProviderEnvelope.Required(row, "volume", "ohlcv")));
        }

        bars.Sort((a, b) => a.Time.CompareTo(b.Time));
        return bars;
    }

    /// <summary>
    /// The long/short ratio, liquidations and the 24 h change for one pair. Each is asked for on its own: one that is
    /// absent ("No Data"), refused, or failing after its retries is left out (the score counts it as missing) and the
    /// others are kept. Only cancellation ends the call.
    /// </summary>
    public async Task<MarketReadings> GetPairReadingsAsync(MarketSymbol symbol, string timeframe, CancellationToken cancellationToken)
    {
        var frame = Timeframe(timeframe);
        var ratio = ReadingAsync(
            symbol, "ls-ratio", cancellationToken, ("e", _options.FuturesExchange), ("pair", symbol.Pair), ("timeframe", frame));
        var liquidations = ReadingAsync(symbol, "liquidation-data-v2", cancellationToken, ("symbol", symbol.Asset));
        var ticker = ReadingAsync(symbol, "ticker", cancellationToken, ("e", _options.Exchange), ("market_pair", symbol.MarketPair));
        await Task.WhenAll(ratio, liquidations, ticker);

        var byExchange = (await liquidations)?.EnumerateObject().Select(e => e.Value).ToList();
        return new MarketReadings(
            LongPercent: ProviderEnvelope.Number(await ratio ?? default, "buy"),
            ShortPercent: ProviderEnvelope.Number(await ratio ?? default, "sell"),
            LongLiquidations: byExchange?.Sum(e => ProviderEnvelope.Number(e, "longs") ?? 0),
            ShortLiquidations: byExchange?.Sum(e => ProviderEnvelope.Number(e, "shorts") ?? 0),
            PriceChangePercent: ProviderEnvelope.Number(await ticker ?? default, "change_24h"));
    }

    /// <summary>
    /// <c>/trend-indicator-v3/</c>: one reading for the whole market (it takes no pair), buy and sell pressure in percent.
    /// Null when Cryptometer has none or refuses.
    /// </summary>
    public async Task<MarketTrend?> GetMarketTrendAsync(CancellationToken cancellationToken)
    {
        var row = await ReadingAsync(null, "trend-indicator-v3", cancellationToken);
        if (row is not { } reading)
        {
            return null;
        }

        var at = reading.TryGetProperty("timestamp", out var stamp) && ProviderEnvelope.TryTime(stamp, out var time)
            ? time
            : (DateTimeOffset?)null;
        return new MarketTrend(
            ProviderEnvelope.Number(reading, "trend_score"),
            ProviderEnvelope.Number(reading, "buy_pressure"),
            ProviderEnvelope.Number(reading, "sell_pressure"),
            at);
    }

    /// <summary>
    /// A row's open time: Cryptometer writes an ISO date-time (<c>2025-08-01 12:00:00</c>, UTC when no offset is
    /// given); epoch milliseconds, and seconds, are read too.
    /// </summary>
    internal static DateTimeOffset OpenTime(JsonElement row) =>
        row.TryGetProperty("timestamp", out var value) && ProviderEnvelope.TryTime(value, out var time)
            ? time
            : throw new ProviderException(ProviderFailure.Malformed, "ohlcv", "'timestamp' is missing or not a time");

    private async Task<JsonElement?> ReadingAsync(
        MarketSymbol? symbol, string endpoint, CancellationToken cancellationToken, params (string Name, string Value)[] query)
    {
        try
        {
            using var document = await GetAsync(endpoint, cancellationToken, query);
            var data = ProviderEnvelope.Data(document, endpoint);
            return data.GetArrayLength() == 0 ? null : data[0].Clone();
        }
        catch (ProviderException ex) when (ex.Failure == ProviderFailure.NoData)
        {
            return null;
        }
        catch (Exception ex) when (ex is ProviderException or HttpRequestException or TimeoutRejectedException
                                   && !cancellationToken.IsCancellationRequested)
        {
            ProviderLog.ReadingLeftOut(logger, endpoint, symbol?.Pair ?? "the market", ex.Message);
            return null;
        }
    }

    private async Task<JsonDocument> GetAsync(string endpoint, CancellationToken cancellationToken, params (string Name, string Value)[] query)
    {
        var parameters = query.Append(("api_key", _options.ApiKey)).Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2)}");
        using var response = await http.GetAsync($"{endpoint}/?{string.Join('&', parameters)}", cancellationToken);
        return await ProviderEnvelope.ReadAsync(response, endpoint, cancellationToken);
    }
}

/// <summary>Cryptometer's market-wide trend: a score 0..100 (50 neutral) and buy/sell pressure in percent.</summary>
public sealed record MarketTrend(double? TrendScore, double? BuyPressurePercent, double? SellPressurePercent, DateTimeOffset? At);
