using System.Net.Http.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Zmarty.Tests.Chat;
using Zmarty.Trading.Risk;
using Zmarty.Worker.Clients;
using Zmarty.Worker.RiskGrids;

namespace Zmarty.Tests.Pipeline;

/// <summary>The Worker's reading of the owner's risk tables, over HTTP from the emulators' PostgREST, synthetic grids.</summary>
[Collection(ChatSystemCollection.Name)]
public sealed class RiskGridCacheTests(ChatSystemFixture system) : ChatSystemTest, IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri(system.EmulatorsUrl, "/kingfisher/") };
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    protected override ChatSystemFixture Running => system;

    [Fact]
    public async Task Every_grid_is_read_across_pages_and_refused_for_what_is_wrong_with_it()
    {
        using var cache = Cache();

        var btc = await cache.ForAsync(MarketSymbol.Parse("BTC/USDT"), 1, 1e9, CancellationToken.None);
        var eth = await cache.ForAsync(MarketSymbol.Parse("ETH/USDT"), 1, 1e9, CancellationToken.None);
        var xrp = await cache.ForAsync(MarketSymbol.Parse("XRP/USDT"), 1, 1e9, CancellationToken.None);

        Assert.Equal(("ok", 41), (btc.Status, btc.Grid!.Points.Count));
        Assert.NotNull(btc.Bands);
        Assert.NotEqual(btc.Grid.Points[0].Price, eth.Grid!.Points[0].Price);
        Assert.Null(xrp.Bands);
        var refused = new Dictionary<string, GridVerdict>();
        foreach (var symbol in new[] { "DUPA", "SHORT", "FLAT", "NOSUCH" })
        {
            refused[symbol] = await VerdictAsync(cache, symbol);
        }

        Assert.Equal("identical to the grid of DUPB", refused["DUPA"].Refusal);
        Assert.Equal("40 levels, not 41", refused["SHORT"].Refusal);
        Assert.StartsWith("prices do not rise", refused["FLAT"].Refusal, StringComparison.Ordinal);
        Assert.Equal("no grid for NOSUCH in cryptoverse_risk_grid", refused["NOSUCH"].Refusal);
        Assert.All(new[] { "DUPA", "SHORT", "FLAT" }, s => Assert.Equal("refused", refused[s].Status));
        Assert.Equal("missing", refused["NOSUCH"].Status);
    }

    [Fact]
    public async Task A_grid_far_from_the_symbols_prices_is_refused_and_a_later_bad_grid_leaves_the_last_valid_one_in_use()
    {
        var symbol = $"LV{Guid.NewGuid():N}"[..10].ToUpperInvariant();
        using var control = system.CreateEmulatorsClient();
        (await control.PutAsJsonAsync($"/market/risk-grids/{symbol}", Rows(i => 100 + (10.0 * i)))).EnsureSuccessStatusCode();
        using var cache = Cache();

        var far = await cache.ForAsync(MarketSymbol.Parse($"{symbol}/USDT"), 2_000, 3_000, CancellationToken.None);
        var near = await cache.ForAsync(MarketSymbol.Parse($"{symbol}/USDT"), 150, 400, CancellationToken.None);

        Assert.Equal("refused", far.Status);
        Assert.Equal("its highest price 500 is under the recent low 2000 ÷ 2", far.Refusal);
        Assert.Equal(("ok", 0.5), (near.Status, near.Grid!.RiskAt(300)));

        // The scraper writes a broken grid; once the grids are read again, the last valid one stays in use.
        (await control.PutAsJsonAsync($"/market/risk-grids/{symbol}", Rows(i => 100 + (10.0 * Math.Min(i, 30))))).EnsureSuccessStatusCode();
        _time.Advance(TimeSpan.FromHours(7));
        var broken = await cache.ForAsync(MarketSymbol.Parse($"{symbol}/USDT"), 150, 400, CancellationToken.None);

        Assert.Equal("refused, using the last valid grid", broken.Status);
        Assert.StartsWith("prices do not rise", broken.Refusal, StringComparison.Ordinal);
        Assert.Equal(0.5, broken.Grid!.RiskAt(300));
    }

    public void Dispose() => _http.Dispose();

    private static object[] Rows(Func<int, double> price) =>
        [.. Enumerable.Range(0, 41).Select(i => new { price_usd = price(i), fiat_risk = Math.Round(i * 0.025, 3) })];

    private static Task<GridVerdict> VerdictAsync(RiskGridCache cache, string symbol) =>
        cache.ForAsync(MarketSymbol.Parse($"{symbol}/USDT"), 1e-9, 1e12, CancellationToken.None);

    /// <summary>Pages of 100 rows, so the reading crosses pages as it does at Supabase's 1,000.</summary>
    private RiskGridCache Cache() => new(
        new RiskGridClient(
            _http, Options.Create(new KingFisherOptions { ApiKey = "owner-key" }), Options.Create(new RiskGridOptions { PageSize = 100 })),
        Options.Create(new RiskGridOptions()), _time, NullLogger<RiskGridCache>.Instance);
}
