using System.Text.Json;
using Microsoft.Extensions.Options;
using Zmarty.Trading.Indicators;
using Zmarty.Trading.Signals;

namespace Zmarty.Worker.Clients;

/// <summary>Cryptometer (docs/domain.md §4): candles and the market readings a signal uses.</summary>
public sealed class CryptometerClient(HttpClient http, IOptions<CryptometerOptions> options)
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
            var time = DateTimeOffset.FromUnixTimeMilliseconds((long)ProviderEnvelope.Required(row, "timestamp", "ohlcv"));
            bars.Add(new Bar(
                time,
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
    /// The long/short ratio, the trend indicator, liquidations and the 24 h change, asked for together. An endpoint
    /// with "No Data" for the pair leaves its readings out (the score counts them as missing); other failures throw.
    /// </summary>
    public async Task<MarketReadings> GetReadingsAsync(MarketSymbol symbol, string timeframe, CancellationToken cancellationToken)
    {
        var frame = Timeframe(timeframe);
        var ratio = FirstOrNullAsync("ls-ratio", cancellationToken, ("e", _options.FuturesExchange), ("pair", symbol.Pair), ("timeframe", frame));
        var trend = FirstOrNullAsync("trend-indicator-v3", cancellationToken, ("e", _options.Exchange), ("pair", symbol.Pair), ("timeframe", frame));
        var liquidations = FirstOrNullAsync("liquidation-data-v2", cancellationToken, ("symbol", symbol.Asset));
        var ticker = FirstOrNullAsync("ticker", cancellationToken, ("e", _options.Exchange), ("pair", symbol.Pair));
        await Task.WhenAll(ratio, trend, liquidations, ticker);

        var byExchange = (await liquidations)?.EnumerateObject().Select(e => e.Value).ToList();
        return new MarketReadings(
            LongPercent: ProviderEnvelope.Number(await ratio ?? default, "buy"),
            ShortPercent: ProviderEnvelope.Number(await ratio ?? default, "sell"),
            TrendScore: ProviderEnvelope.Number(await trend ?? default, "trend_score"),
            BuyPressure: ProviderEnvelope.Number(await trend ?? default, "buy_pressure"),
            SellPressure: ProviderEnvelope.Number(await trend ?? default, "sell_pressure"),
            LongLiquidations: byExchange?.Sum(e => ProviderEnvelope.Number(e, "longs") ?? 0),
            ShortLiquidations: byExchange?.Sum(e => ProviderEnvelope.Number(e, "shorts") ?? 0),
            PriceChangePercent: ProviderEnvelope.Number(await ticker ?? default, "change_24h"));
    }

    private async Task<JsonElement?> FirstOrNullAsync(string endpoint, CancellationToken cancellationToken, params (string Name, string Value)[] query)
    {
        using var document = await GetAsync(endpoint, cancellationToken, query);
        try
        {
            var data = ProviderEnvelope.Data(document, endpoint);
            return data.GetArrayLength() == 0 ? null : data[0].Clone();
        }
        catch (ProviderException ex) when (ex.Failure == ProviderFailure.NoData)
        {
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
