using System.Net.Http.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Zmarty.Emulators.Market;
using Zmarty.Tests.Chat;
using Zmarty.Worker.Clients;
using Zmarty.Worker.RiskGrids;

namespace Zmarty.Tests.Pipeline;

/// <summary>
/// The owner's days-per-band table is secondary to his grids: when it cannot be read, every grid stays in use and only the
/// time-in-band coefficient is missing, and the verdict says why.
/// </summary>
[Collection(ChatSystemCollection.Name)]
public sealed class RiskGridBandsTests(ChatSystemFixture system) : ChatSystemTest, IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri(system.EmulatorsUrl, "/kingfisher/") };

    protected override ChatSystemFixture Running => system;

    private const string BandsTable = "cryptoverse_risk_time_bands_v2";

    [Fact]
    public async Task A_bands_table_that_is_gone_leaves_every_grid_in_use_without_a_coefficient_and_says_so()
    {
        using var control = system.CreateEmulatorsClient();
        var fault = new Fault(BandsTable, FaultMode.MissingTable);
        (await control.PostAsJsonAsync("/market/faults", fault, MarketJson.Options)).EnsureSuccessStatusCode();
        try
        {
            using var cache = new RiskGridCache(
                new RiskGridClient(
                    _http, Options.Create(new KingFisherOptions { ApiKey = "owner-key" }), Options.Create(new RiskGridOptions())),
                Options.Create(new RiskGridOptions()), new FakeTimeProvider(DateTimeOffset.UtcNow), NullLogger<RiskGridCache>.Instance);

            var btc = await cache.ForAsync(MarketSymbol.Parse("BTC/USDT"), 1, 1e9, CancellationToken.None);

            Assert.Equal("ok", btc.Status);
            Assert.Equal(41, btc.Grid!.Points.Count);
            Assert.Null(btc.Bands);
            Assert.Contains("42P01", btc.BandsFailure, StringComparison.Ordinal);
            Assert.Contains(BandsTable, btc.BandsFailure, StringComparison.Ordinal);
        }
        finally
        {
            (await control.DeleteAsync("/market/faults")).EnsureSuccessStatusCode();
        }
    }

    public void Dispose() => _http.Dispose();
}
