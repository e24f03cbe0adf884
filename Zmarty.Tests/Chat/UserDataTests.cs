using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Zmarty.Tests.Emulators;

namespace Zmarty.Tests.Chat;

/// <summary>The dashboard's endpoints and voice replies.</summary>
[Collection(ChatSystemCollection.Name)]
public sealed class UserDataTests(ChatSystemFixture system) : ChatSystemTest
{
    protected override ChatSystemFixture Running => system;

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    [Fact]
    public async Task Symbols_are_added_listed_and_removed_in_A_within_the_tiers_limit_and_the_outbox_carries_each_change()
    {
        var user = await system.CreateUserAsync("free");
        using var api = system.CreateApiClient(user.Token);

        using var added = await api.PostAsJsonAsync("/me/symbols", new { symbol = "btc/usdt", timeframe = "4h" });
        using var second = await api.PostAsJsonAsync("/me/symbols", new { symbol = "ETH/USDT" });
        using var invalid = await api.PostAsJsonAsync("/me/symbols", new { symbol = "BTCUSDT" });
        var listed = await JsonAsync(await api.GetAsync("/me/symbols"));

        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var symbol = await JsonAsync(added);
        Assert.Equal("BTC/USDT", symbol.Str("name"));
        Assert.Equal(HttpStatusCode.Forbidden, second.StatusCode);
        Assert.Equal("symbol_limit_reached", (await JsonAsync(second)).Str("error"));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal([symbol.GetProperty("id").GetInt64()], listed.EnumerateArray().Select(s => s.GetProperty("id").GetInt64()));

        using var removed = await api.DeleteAsync($"/me/symbols/{symbol.GetProperty("id").GetInt64()}");
        using var again = await api.DeleteAsync($"/me/symbols/{symbol.GetProperty("id").GetInt64()}");
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(["INSERT", "DELETE"], await system.ScalarAsync<string[]>(system.Chat,
            """
            select array_agg(payload ->> 'type' order by id) from public.user_symbols_outbox
            where coalesce(payload -> 'record' ->> 'user_id', payload -> 'old_record' ->> 'user_id')::uuid = $1
            """,
            user.Id));
    }

    [Fact]
    public async Task A_user_cannot_remove_another_users_symbol()
    {
        var owner = await system.CreateUserAsync();
        var intruder = await system.CreateUserAsync();
        using var ownerApi = system.CreateApiClient(owner.Token);
        using var intruderApi = system.CreateApiClient(intruder.Token);
        var symbol = await JsonAsync(await ownerApi.PostAsJsonAsync("/me/symbols", new { symbol = "BTC/USDT" }));

        using var attempt = await intruderApi.DeleteAsync($"/me/symbols/{symbol.GetProperty("id").GetInt64()}");

        Assert.Equal(HttpStatusCode.NotFound, attempt.StatusCode);
        Assert.Single((await JsonAsync(await ownerApi.GetAsync("/me/symbols"))).EnumerateArray());
    }

    [Fact]
    public async Task Signals_cost_one_credit_per_symbol_and_show_in_the_balance_and_ledger()
    {
        var user = await system.CreateUserAsync("pro");
        using var api = system.CreateApiClient(user.Token);
        foreach (var symbol in new[] { "BTC/USDT", "ETH/USDT", "SOL/USDT" })
        {
            (await api.PostAsJsonAsync("/me/symbols", new { symbol })).EnsureSuccessStatusCode();
        }

        var signals = await JsonAsync(await api.GetAsync("/me/signals"));
        var balance = await JsonAsync(await api.GetAsync("/me/credits"));
        var ledger = await JsonAsync(await api.GetAsync("/me/credits/ledger?limit=1"));

        Assert.Equal(3, signals.GetProperty("items").GetArrayLength());
        Assert.Equal(3, signals.Int("credits_charged"));
        Assert.Equal(97, signals.Int("credits_remaining"));
        Assert.Equal(97, balance.Int("balance"));
        var row = ledger.GetProperty("items")[0];
        Assert.Equal(-3, row.Int("delta"));
        Assert.Equal("data", row.Str("provider"));
        Assert.Equal(row.GetProperty("id").GetInt64(), ledger.GetProperty("next_before").GetInt64());
        var older = await JsonAsync(await api.GetAsync($"/me/credits/ledger?before={row.GetProperty("id").GetInt64()}"));
        Assert.Equal("bonus", older.GetProperty("items")[0].Str("provider"));
    }

    [Fact]
    public async Task A_voice_reply_costs_five_more_and_its_audio_is_served_to_the_owner_and_through_the_signed_link_only()
    {
        var user = await system.CreateUserAsync("pro");
        var stranger = await system.CreateUserAsync("pro");
        using var api = system.CreateApiClient(user.Token);

        var (response, reply) = await Chats.PostAsync(api, new { message = "Say it out loud", mode = "voice" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Chats.ExpectedCost("grok", reply.GetProperty("usage"), voice: true), reply.Int("credits_charged"));
        Assert.Equal(Chats.ExpectedCost("grok", reply.GetProperty("usage")) + 5, reply.Int("credits_charged"));
        var link = reply.Str("audio_url");
        // Absolute, so that a page on another origin can play it.
        Assert.StartsWith(system.ApiUrl.GetLeftPart(UriPartial.Authority) + "/audio/", link, StringComparison.Ordinal);
        var path = link.Split('?')[0];

        using var anonymous = system.CreateApiClient();
        using var viaLink = await anonymous.GetAsync(link);
        Assert.Equal(HttpStatusCode.OK, viaLink.StatusCode);
        Assert.Equal("audio/mpeg", viaLink.Content.Headers.ContentType?.MediaType);
        Assert.True(Mp3.FrameCount(await viaLink.Content.ReadAsByteArrayAsync()) > 0);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(link[..^2] + "xx")).StatusCode);
        using var strangerApi = system.CreateApiClient(stranger.Token);
        Assert.Equal(HttpStatusCode.NotFound, (await strangerApi.GetAsync(path)).StatusCode);
        Assert.Equal(1, await system.ProviderCallsAsync("elevenlabs"));
    }

    [Fact]
    public async Task Voice_is_refused_on_the_free_tier_without_a_charge_and_a_failed_speech_drops_only_the_surcharge()
    {
        var free = await system.CreateUserAsync("free");
        using var freeApi = system.CreateApiClient(free.Token);
        var (refused, error) = await Chats.PostAsync(freeApi, new { message = "Speak", mode = "voice" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("free tier", error.Str("message"), StringComparison.Ordinal);
        Assert.Equal(100, await system.BalanceAsync(free.Id));

        var pro = await system.CreateUserAsync("pro");
        await system.SetFaultAsync("elevenlabs", new { mode = "fail" });
        using var proApi = system.CreateApiClient(pro.Token);
        var (response, reply) = await Chats.PostAsync(proApi, new { message = "Speak", mode = "voice" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(reply.TryGetProperty("audio_url", out _));
        Assert.Equal(Chats.ExpectedCost("grok", reply.GetProperty("usage")), reply.Int("credits_charged"));
    }

    [Fact]
    public async Task The_api_publishes_its_openapi_document()
    {
        using var api = system.CreateApiClient();
        var document = await JsonAsync(await api.GetAsync("/openapi/v1.json"));

        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/chat", "/me/credits", "/me/credits/ledger", "/me/symbols", "/me/signals", "/audio/{id}" })
        {
            Assert.True(paths.TryGetProperty(path, out _), path);
        }

        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/scalar/v1")).StatusCode);
    }
}
