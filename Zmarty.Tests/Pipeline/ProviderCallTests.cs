using System.Text.Json;
using Zmarty.Emulators.Market;
using Zmarty.Tests.AppHost;
using Zmarty.Tests.Database;

namespace Zmarty.Tests.Pipeline;

/// <summary>The Worker against Cryptometer's free plan as the emulators enforce it: 10 calls per 5 s per key.</summary>
[Collection(AppHostCollection.Name)]
public sealed class ProviderCallTests
{
    private static readonly string[] s_symbols = ["BTC", "ETH", "SOL", "XRP"];

    [Fact]
    public async Task On_a_free_key_ingestion_keeps_to_the_rate_limit_reads_the_market_trend_once_and_keeps_what_a_refusal_leaves()
    {
        await using var system = await PipelineSystem.StartAsync(freeTier: true);
        // ETH's ticker is refused as Cryptometer refuses (HTTP 200, success false) and it has no liquidations.
        await system.FaultAsync(new Fault("ticker", FaultMode.Refuse, Symbol: "ETH"));
        await system.FaultAsync(new Fault("liquidation-data-v2", FaultMode.NoData, Symbol: "ETH"));

        var messages = new List<long>();
        foreach (var symbol in s_symbols)
        {
            messages.Add(await system.SendAsync("ingest_indicators", new { symbol = $"{symbol}/USDT", timeframe = "1h" }));
        }

        foreach (var message in messages)
        {
            PipelineSystem.AssertSucceededOnce(await system.FinishedAsync("ingest_indicators", message));
        }

        var calls = await system.AllCallsAsync();
        Assert.DoesNotContain(calls, c => c.Status == 429);
        Assert.Single(calls, c => c.Endpoint == "trend-indicator-v3");
        Assert.All(s_symbols, s => Assert.Single(calls, c => c.Endpoint == "ohlcv" && c.Symbol == s));
        // Every Cryptometer call is counted against the key's month in B.
        Assert.Equal(calls.Count(c => c.Endpoint != "kingfisher"),
            await Sql.ScalarAsync<long>(system.Trading, "select calls from ops.provider_calls where provider = 'cryptometer'"));

        using var eth = await ReadingsAsync(system, "ETH/USDT");
        using var btc = await ReadingsAsync(system, "BTC/USDT");
        Assert.Equal(JsonValueKind.Number, eth.RootElement.GetProperty("long_percent").ValueKind);
        Assert.Equal(JsonValueKind.Null, eth.RootElement.GetProperty("price_change_percent").ValueKind);
        Assert.Equal(JsonValueKind.Null, eth.RootElement.GetProperty("long_liquidations").ValueKind);
        Assert.Equal(JsonValueKind.Number, btc.RootElement.GetProperty("price_change_percent").ValueKind);
        Assert.True(btc.RootElement.GetProperty("long_liquidations").GetDouble() > 0);

        // The trend is one market-wide reading, in percent.
        var trend = JsonDocument.Parse(await Sql.ScalarAsync<string>(system.Trading,
            "select data::text from public.market_readings where source = 'cryptometer' and name = 'trend'")).RootElement;
        var buy = trend.GetProperty("buy_pressure").GetDouble();
        Assert.InRange(buy, 0, 100);
        Assert.Equal(100, buy + trend.GetProperty("sell_pressure").GetDouble(), 3);
    }

    private static async Task<JsonDocument> ReadingsAsync(PipelineSystem system, string symbol) =>
        JsonDocument.Parse(await Sql.ScalarAsync<string>(system.Trading,
            "select data::text from public.indicators where symbol = $1 and source = 'cryptometer'", symbol));
}
