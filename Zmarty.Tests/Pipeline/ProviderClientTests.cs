using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Hosting.Internal;
using Zmarty.Trading.Signals;
using Zmarty.Worker.Clients;
using Zmarty.Worker.Queues;

namespace Zmarty.Tests.Pipeline;

public sealed class ProviderClientTests
{
    [Theory]
    [InlineData("""{"success":"true","error":"false","data":[{"buy":"55.5","sell":44.5}]}""")]
    [InlineData("""{"success":true,"error":false,"data":[{"buy":55.5,"sell":"44.5"}]}""")]
    public void The_envelope_reads_string_booleans_and_numbers_written_as_strings(string body)
    {
        using var document = JsonDocument.Parse(body);

        var row = ProviderEnvelope.Data(document, "ls-ratio")[0];

        Assert.Equal(55.5, ProviderEnvelope.Number(row, "buy"));
        Assert.Equal(44.5, ProviderEnvelope.Number(row, "sell"));
    }

    [Theory]
    [InlineData("""{"success":"false","error":"No Data"}""", ProviderFailure.NoData)]
    [InlineData("""{"success":"false","error":"No Liquidation"}""", ProviderFailure.NoData)]
    [InlineData("""{"success":"false","error":"No updates!"}""", ProviderFailure.NoData)]
    [InlineData("""{"success":"false","error":"Parameter is missing"}""", ProviderFailure.Rejected)]
    [InlineData("""{"success":"false","error":"Invalid pair"}""", ProviderFailure.Rejected)]
    [InlineData("""{"success":"true","error":"false","data":{}}""", ProviderFailure.Malformed)]
    [InlineData("""[1, 2]""", ProviderFailure.Malformed)]
    public void Every_failed_envelope_is_a_provider_error_naming_the_endpoint(string body, ProviderFailure failure)
    {
        using var document = JsonDocument.Parse(body);

        var error = Assert.Throws<ProviderException>(() => ProviderEnvelope.Data(document, "ohlcv"));

        Assert.Equal(failure, error.Failure);
        Assert.StartsWith("ohlcv: ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HttpStatusCode.Forbidden, ProviderFailure.Forbidden)]
    [InlineData(HttpStatusCode.Unauthorized, ProviderFailure.Forbidden)]
    [InlineData(HttpStatusCode.BadRequest, ProviderFailure.Rejected)]
    public async Task A_client_error_status_is_permanent(HttpStatusCode status, ProviderFailure failure)
    {
        using var response = new HttpResponseMessage(status) { Content = new StringContent("""{"success":"false","error":"Forbidden"}""") };

        var error = await Assert.ThrowsAsync<ProviderException>(
            () => ProviderEnvelope.ReadAsync(response, "ticker", CancellationToken.None));

        Assert.Equal(failure, error.Failure);
        Assert.Contains("Forbidden", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.BadGateway)]
    public async Task Rate_limits_and_server_errors_are_transient(HttpStatusCode status)
    {
        using var response = new HttpResponseMessage(status) { Content = new StringContent("") };

        var error = await Assert.ThrowsAsync<HttpRequestException>(
            () => ProviderEnvelope.ReadAsync(response, "ohlcv", CancellationToken.None));

        Assert.Equal(status, error.StatusCode);
    }

    [Theory]
    [InlineData("BTC/USDT", "BTC-USDT", "BTCUSDT", "btc")]
    [InlineData("eth-usdc", "ETH-USDC", "ETHUSDC", "eth")]
    [InlineData("SOLUSDT", "SOL-USDT", "SOLUSDT", "sol")]
    public void A_watched_symbol_has_each_spelling_cryptometer_takes(string symbol, string pair, string marketPair, string asset)
    {
        var parsed = MarketSymbol.Parse(symbol);

        Assert.Equal((pair, marketPair, asset), (parsed.Pair, parsed.MarketPair, parsed.Asset));
    }

    [Theory]
    [InlineData("BTC")]
    [InlineData("BTC/USDT/X")]
    [InlineData("B$C/USDT")]
    public void A_symbol_without_base_and_quote_is_an_unknown_symbol(string symbol) =>
        Assert.Equal(ProviderFailure.UnknownSymbol, Assert.Throws<ProviderException>(() => MarketSymbol.Parse(symbol)).Failure);

    [Fact]
    public void King_fisher_clusters_are_placed_by_strength_and_sided_by_the_price()
    {
        using var map = JsonDocument.Parse("""
            {"cluster_1": [[90, 100], [1, 3]], "cluster_2": [[120], [2]], "cumulated_short_liquidations": [[120, 5]]}
            """);

        var clusters = KingFisherClient.ParseMap(map.RootElement, price: 110);

        Assert.Equal(
            [new LiquidationCluster(97.5, 4, LiquidationSide.Long), new LiquidationCluster(120, 2, LiquidationSide.Short)], clusters);
    }

    [Theory]
    [InlineData("\"2025-08-01 12:00:00\"")]
    [InlineData("\"2025-08-01T12:00:00Z\"")]
    [InlineData("\"2025-08-01T14:00:00+02:00\"")]
    [InlineData("1754049600000")]
    [InlineData("\"1754049600000\"")]
    [InlineData("1754049600")]
    public void A_candles_time_is_read_from_an_iso_string_or_an_epoch(string timestamp)
    {
        using var row = JsonDocument.Parse($$"""{"timestamp": {{timestamp}}}""");

        Assert.Equal(new DateTimeOffset(2025, 8, 1, 12, 0, 0, TimeSpan.Zero), CryptometerClient.OpenTime(row.RootElement));
    }

    [Fact]
    public void The_owners_cluster_rows_of_the_newest_map_become_clusters_sided_by_their_side_column()
    {
        using var rows = JsonDocument.Parse("""
            [
              {"side": "above", "price": "120.5", "notional": 2000000, "ts": "2026-12-02T10:00:00+00:00"},
              {"side": "below", "price": 95, "notional": "5000000", "ts": "2026-12-02T10:00:00+00:00"},
              {"side": "below", "price": 90, "notional": null, "ts": "2026-12-02T10:00:00+00:00"},
              {"side": "above", "price": 150, "notional": 9000000, "ts": "2026-12-01T08:00:00+00:00"}
            ]
            """);

        var (clusters, newest) = KingFisherClient.ParseTableRows(rows.RootElement, new KingFisherOptions(), price: 110);

        Assert.Equal(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero), newest);
        // The row without a notional is skipped; the row of yesterday's map is not part of the newest one.
        Assert.Equal(
            [new LiquidationCluster(95, 5_000_000, LiquidationSide.Long), new LiquidationCluster(120.5, 2_000_000, LiquidationSide.Short)],
            clusters);
    }

    [Fact]
    public void King_fishers_settings_name_plain_columns_and_the_credentials_of_their_source()
    {
        static KingFisherOptions Owner() => new() { BaseUrl = new Uri("https://example.supabase.co/"), ApiKey = "key" };

        Assert.Empty(Owner().Problems("KingFisher"));
        var injected = Owner();
        injected.Table = "kf_clusters;drop table x";
        Assert.Contains(injected.Problems("KingFisher"), p => p.Contains("plain identifiers", StringComparison.Ordinal));
        var vendor = Owner();
        vendor.Source = ClusterSource.VendorApi;
        Assert.Contains(vendor.Problems("KingFisher"), p => p.Contains("Login and Password", StringComparison.Ordinal));
    }

    [Fact]
    public void A_consumer_continues_the_senders_trace_and_passes_it_on()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Zmarty.Worker",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var tracing = new QueueTracing(new HostingEnvironment { ApplicationName = "Zmarty.Worker" });
        const string parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        using var headers = JsonDocument.Parse($$"""{"traceparent": "{{parent}}"}""");
        var message = new QueueMessage(1, 1, DateTimeOffset.UnixEpoch, JsonDocument.Parse("{}").RootElement, headers.RootElement);

        using var activity = tracing.StartProcess("ingest_indicators", message);

        Assert.Equal("0af7651916cd43dd8448eb211c80319c", activity!.TraceId.ToString());
        Assert.Equal("b7ad6b7169203331", activity.ParentSpanId.ToString());
        var sent = QueueTracing.CurrentHeaders()["traceparent"];
        Assert.Equal(activity.Id, sent);
        Assert.Contains("0af7651916cd43dd8448eb211c80319c", sent, StringComparison.Ordinal);
    }
}
