using System.Net;
using System.Text;
using Microsoft.Extensions.Options;
using Zmarty.Worker.Clients;
using Zmarty.Worker.RiskGrids;

namespace Zmarty.Tests.Pipeline;

/// <summary>The owner's risk tables read page by page from a PostgREST that does not behave.</summary>
public sealed class RiskGridClientTests
{
    [Fact]
    public async Task A_server_that_ignores_offset_ends_the_read_after_the_page_cap_instead_of_looping()
    {
        // The same full page whatever the offset; past 1,000 requests the read is a runaway and the handler ends it.
        using var handler = new SamePage(
            """[{"symbol":"BTC","price_usd":1000,"fiat_risk":0},{"symbol":"BTC","price_usd":2000,"fiat_risk":0.025}]""");
        using var http = new HttpClient(handler) { BaseAddress = new Uri("http://owner.example/") };
        var client = Client(http, new RiskGridOptions { PageSize = 2, MaxPages = 5 });

        var failure = await Assert.ThrowsAsync<ProviderException>(() => client.GetGridRowsAsync(CancellationToken.None));

        Assert.Equal(ProviderFailure.Malformed, failure.Failure);
        Assert.Contains("more than 5 pages of 2 rows", failure.Message, StringComparison.Ordinal);
        Assert.Equal(5, handler.Requests);
    }

    [Fact]
    public async Task A_table_that_ends_within_the_cap_is_read_whole()
    {
        using var handler = new Pages(
            """[{"symbol":"BTC","band_0_10":1}]""", """[{"symbol":"ETH","band_0_10":2}]""", "[]");
        using var http = new HttpClient(handler) { BaseAddress = new Uri("http://owner.example/") };
        var client = Client(http, new RiskGridOptions { PageSize = 1, MaxPages = 3 });

        var bands = await client.GetTimeInBandsAsync(CancellationToken.None);

        Assert.Equal(["BTC", "ETH"], bands.Keys.Order(StringComparer.Ordinal));
    }

    private static RiskGridClient Client(HttpClient http, RiskGridOptions options) =>
        new(http, Options.Create(new KingFisherOptions { ApiKey = "owner-key" }), Options.Create(options));

    private sealed class SamePage(string body) : HttpMessageHandler
    {
        public int Requests { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (++Requests > 1_000)
            {
                throw new InvalidOperationException("The reader is still asking after 1,000 pages.");
            }

            return Task.FromResult(
                new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
        }
    }

    private sealed class Pages(params string[] bodies) : HttpMessageHandler
    {
        private int _next;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent(bodies[Math.Min(_next++, bodies.Length - 1)], Encoding.UTF8, "application/json"),
            });
    }
}
