using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Zmarty.Tests.Chat;

/// <summary>Per-user limits on <c>/me/*</c>: requests a minute, and symbol changes a minute.</summary>
[Collection(ChatSystemCollection.Name)]
public sealed class UserDataLimitTests(ChatSystemFixture system) : ChatSystemTest
{
    protected override ChatSystemFixture Running => system;

    [Fact]
    public async Task Past_120_requests_a_minute_me_answers_429_with_retry_after_and_the_rate_limit_headers()
    {
        var user = await system.CreateUserAsync();
        using var api = system.CreateApiClient(user.Token);

        // Fixed one-minute windows: within two windows' worth the limit is met, even if a window ends meanwhile.
        using var first = await api.GetAsync("/me/credits");
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 240 && refused is null; i++)
        {
            var response = await api.GetAsync("/me/credits");
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = response;
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                response.Dispose();
            }
        }

        Assert.Equal("120", first.Headers.GetValues("X-RateLimit-Limit").Single());
        Assert.NotNull(refused);
        using (refused)
        {
            Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
            Assert.Equal("0", refused.Headers.GetValues("X-RateLimit-Remaining").Single());
            var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("rate_limit_exceeded", error.Str("error"));
            Assert.Equal(120, error.Int("limit"));
        }
    }

    [Fact]
    public async Task Past_10_symbol_changes_a_minute_a_change_is_429_and_writes_nothing()
    {
        var user = await system.CreateUserAsync("pro");
        using var api = system.CreateApiClient(user.Token);
        using var added = await api.PostAsJsonAsync("/me/symbols", new { symbol = "BTC/USDT" });
        var id = JsonDocument.Parse(await added.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt64();

        HttpResponseMessage? refused = null;
        var active = true;
        for (var i = 0; i < 20 && refused is null; i++)
        {
            var response = await api.PatchAsJsonAsync($"/me/symbols/{id}", new { active = !active });
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = response;
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                active = !active;
                response.Dispose();
            }
        }

        Assert.NotNull(refused);
        using (refused)
        {
            Assert.NotNull(refused.Headers.RetryAfter);
            Assert.Equal("10", refused.Headers.GetValues("X-RateLimit-Limit").Single());
            var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("rate_limit_exceeded", error.Str("error"));
            Assert.Contains("symbol changes", error.Str("message"), StringComparison.Ordinal);
        }

        Assert.Equal(active, await system.ScalarAsync<bool>(system.Chat, "select active from public.user_symbols where id = $1", id));
    }
}
