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

        var error = await Assert.ThrowsAsync<ProviderException>(() => ProviderEnvelope.ReadAsync(response, "ticker", CancellationToken.None));

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

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => ProviderEnvelope.ReadAsync(response, "ohlcv", CancellationToken.None));

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

        var clusters = KingFisherClient.Parse(map.RootElement, price: 110);

        Assert.Equal([new LiquidationCluster(97.5, 4, LiquidationSide.Long), new LiquidationCluster(120, 2, LiquidationSide.Short)], clusters);
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
