using System.Net;

namespace Zmarty.Tests.Chat;

/// <summary>The Api called from a page on another origin: CORS preflights, and what a page may read of a response.</summary>
[Collection(ChatSystemCollection.Name)]
public sealed class BrowserAccessTests(ChatSystemFixture system) : ChatSystemTest
{
    protected override ChatSystemFixture Running => system;

    [Theory]
    [InlineData(ChatSystemFixture.BrowserOrigin)]
    [InlineData("http://127.0.0.1:43117")]
    [InlineData("http://localhost:5173")]
    [InlineData("https://deploy-preview-12--zmarty-frontend.netlify.app")]
    public async Task A_configured_origin_a_deploy_preview_and_in_development_any_loopback_page_pass_the_chat_preflight(string origin)
    {
        using var response = await PreflightAsync(origin, "POST", "authorization,content-type,idempotency-key");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(origin, Single(response, "Access-Control-Allow-Origin"));
        Assert.Contains("POST", Single(response, "Access-Control-Allow-Methods"), StringComparison.Ordinal);
        var headers = Single(response, "Access-Control-Allow-Headers").ToLowerInvariant();
        Assert.All(
            new[] { "authorization", "content-type", "idempotency-key" }, h => Assert.Contains(h, headers, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("https://zmarty-frontend.example.evil.example")]
    [InlineData("http://192.168.1.20:8080")]
    [InlineData("https://deploy-preview-12--zmarty-frontend-evil.netlify.app")]
    [InlineData("https://zmarty-frontend.netlify.app")]
    public async Task Any_other_origin_gets_no_cors_grant(string origin)
    {
        using var response = await PreflightAsync(origin, "POST", "authorization");

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task A_page_may_read_the_rate_limit_headers_of_a_chat_reply()
    {
        var user = await system.CreateUserAsync();
        using var api = system.CreateApiClient(user.Token);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/chat")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { message = "How does BTC look?" }),
        };
        request.Headers.Add("Origin", ChatSystemFixture.BrowserOrigin);

        using var response = await api.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ChatSystemFixture.BrowserOrigin, Single(response, "Access-Control-Allow-Origin"));
        var exposed = Single(response, "Access-Control-Expose-Headers");
        Assert.All(new[] { "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After" },
            h => Assert.Contains(h, exposed, StringComparison.OrdinalIgnoreCase));
        Assert.True(response.Headers.Contains("X-RateLimit-Remaining"));
    }

    private async Task<HttpResponseMessage> PreflightAsync(string origin, string method, string headers)
    {
        using var api = system.CreateApiClient();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/chat");
        preflight.Headers.Add("Origin", origin);
        preflight.Headers.Add("Access-Control-Request-Method", method);
        preflight.Headers.Add("Access-Control-Request-Headers", headers);
        return await api.SendAsync(preflight);
    }

    private static string Single(HttpResponseMessage response, string header) => Assert.Single(response.Headers.GetValues(header));
}
