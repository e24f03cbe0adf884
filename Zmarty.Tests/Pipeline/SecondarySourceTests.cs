using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using Zmarty.Emulators.Market;
using Zmarty.Tests.AppHost;
using Zmarty.Tests.Database;

namespace Zmarty.Tests.Pipeline;

/// <summary>
/// An ingestion against an owner's project whose days-per-band table is gone and whose King Fisher table fails: the
/// primary data (candles, indicators, risk, band, zone, base score) is kept, the secondary is left out and said so.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class SecondarySourceTests
{
    private const string Ingest = "ingest_indicators";

    [Fact]
    public async Task Without_the_bands_table_and_king_fisher_a_pair_keeps_its_risk_without_a_coefficient_and_health_says_so()
    {
        await using var system = await PipelineSystem.StartAsync();
        await system.FaultAsync(new Fault("cryptoverse_risk_time_bands_v2", FaultMode.MissingTable));
        await system.FaultAsync(new Fault("kf_clusters", FaultMode.MissingTable));

        var message = await system.SendAsync(Ingest, new { symbol = "BTC/USDT", timeframe = "1h" });
        PipelineSystem.AssertSucceededOnce(await system.FinishedAsync(Ingest, message));

        using var metrics = JsonDocument.Parse(await Sql.ScalarAsync<string>(system.Trading,
            "select metrics::text from public.risk_metric where symbol = 'BTC/USDT' order by at desc limit 1"));
        var risk = metrics.RootElement;
        Assert.Equal(JsonValueKind.Number, risk.GetProperty("risk").ValueKind);
        Assert.Equal(JsonValueKind.String, risk.GetProperty("band").ValueKind);
        Assert.Equal(JsonValueKind.String, risk.GetProperty("zone").ValueKind);
        Assert.Equal(JsonValueKind.Number, risk.GetProperty("base_score").ValueKind);
        Assert.Equal(risk.GetProperty("base_score").GetDouble(), risk.GetProperty("score").GetDouble());
        Assert.Equal(JsonValueKind.Null, risk.GetProperty("grid_refused").ValueKind);
        Assert.Equal(JsonValueKind.Null, risk.GetProperty("coefficient").ValueKind);
        Assert.Contains("42P01", risk.GetProperty("coefficient_unavailable").GetString(), StringComparison.Ordinal);
        Assert.Equal(0L, await Sql.ScalarAsync<long>(system.Trading, "select count(*) from public.liq_clusters where symbol = 'BTC/USDT'"));
        Assert.True(await Sql.ScalarAsync<long>(system.Trading, "select count(*) from public.candles where symbol = 'BTC/USDT'") > 0);
        Assert.Equal(["kingfisher_clusters failing", "risk_time_bands failing"], await Sql.ColumnAsync<string>(system.Trading,
            "select source || ' ' || status from ops.source_status order by source"));

        using var api = system.App.CreateHttpClient("api");
        using var health = JsonDocument.Parse(await api.GetStringAsync("/healthz"));
        Assert.Equal("degraded", health.RootElement.GetProperty("status").GetString());
        var sources = health.RootElement.GetProperty("sources");
        Assert.Equal("error", sources.GetProperty("risk_time_bands").GetProperty("status").GetString());
        Assert.StartsWith("risks are given without a time-in-band coefficient",
            sources.GetProperty("risk_time_bands").GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("error", sources.GetProperty("kingfisher_clusters").GetProperty("status").GetString());
        Assert.DoesNotContain("BTC", health.RootElement.GetProperty("risk_grids").EnumerateObject()
            .Where(g => g.Value.GetProperty("status").GetString() != "ok").Select(g => g.Name));
    }
}
