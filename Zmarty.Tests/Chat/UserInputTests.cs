using System.Net;
using System.Text;
using System.Text.Json;

namespace Zmarty.Tests.Chat;

/// <summary>
/// What a fuzzer sends to <c>/me/*</c>: text PostgreSQL cannot store, bodies that are not JSON objects, values of the
/// wrong type, numbers out of every range, malformed cursors. Each is a 400 in the contract's shape that names what was
/// wrong, and nothing is written.
/// </summary>
[Collection(ChatSystemCollection.Name)]
public sealed class UserInputTests(ChatSystemFixture system) : ChatSystemTest
{
    protected override ChatSystemFixture Running => system;

    [Theory]
    // PostgreSQL's jsonb cannot hold \u0000 (22P05) or a lone surrogate (22P02), nor a number past numeric's range (22003).
    [InlineData("""{"symbol":"BTC/USDT","strategy":{"note":"a\u0000b"}}""", "strategy")]
    [InlineData("""{"symbol":"BTC/USDT","strategy":{"\ud800":1}}""", "strategy")]
    [InlineData("""{"symbol":"BTC/USDT","strategy":{"size":1e1000000}}""", "strategy")]
    [InlineData("""{"symbol":""", "JSON")]
    [InlineData("42", "JSON object")]
    [InlineData("1e400", "JSON object")]
    [InlineData("\"BTC/USDT\"", "JSON object")]
    [InlineData("[null]", "JSON object")]
    [InlineData("""{"symbol":42}""", "symbol")]
    [InlineData("""{"symbol":["BTC/USDT"]}""", "symbol")]
    [InlineData("""{"symbol":"BTC/USDT","timeframe":1}""", "timeframe")]
    [InlineData("""{"symbol":"BTC/USDT","strategy":"{}"}""", "strategy")]
    [InlineData("""{"symbol":"BTC/USDT","strategy":1e400}""", "strategy")]
    public async Task A_bad_new_symbol_is_a_400_naming_what_was_wrong_and_nothing_is_written(string body, string named)
    {
        var user = await system.CreateUserAsync("pro");
        using var api = system.CreateApiClient(user.Token);

        using var response = await api.PostAsync("/me/symbols", Json(body));

        await AssertBadRequestAsync(response, named);
        Assert.Equal(0L, await system.ScalarAsync<long>(
            system.Chat, "select count(*) from public.user_symbols where user_id = $1", user.Id));
    }

    [Theory]
    [InlineData("""{"active":"-1"}""", "active")]
    [InlineData("""{"active":1}""", "active")]
    [InlineData("""{"active":1e400}""", "active")]
    [InlineData("""{"active":[null]}""", "active")]
    [InlineData("[null]", "JSON object")]
    [InlineData("1e400", "JSON object")]
    [InlineData("\"true\"", "JSON object")]
    [InlineData("""{"active":""", "JSON")]
    public async Task A_bad_symbol_change_is_a_400_naming_what_was_wrong_and_the_symbol_is_unchanged(string body, string named)
    {
        var user = await system.CreateUserAsync("pro");
        using var api = system.CreateApiClient(user.Token);
        using var added = await api.PostAsync("/me/symbols", Json("""{"symbol":"BTC/USDT"}"""));
        var created = await added.Content.ReadAsStringAsync();
        Assert.True(added.StatusCode == HttpStatusCode.Created, created);
        var id = JsonDocument.Parse(created).RootElement.GetProperty("id").GetInt64();
        const string Version = "select version from public.user_symbols where id = $1 and active";
        var version = await system.ScalarAsync<long>(system.Chat, Version, id);

        using var response = await api.PatchAsync($"/me/symbols/{id}", Json(body));

        await AssertBadRequestAsync(response, named);
        Assert.Equal(version, await system.ScalarAsync<long>(system.Chat, Version, id));
    }

    [Theory]
    [InlineData("before=abc", "before")]
    [InlineData("before=1e400", "before")]
    [InlineData("before=99999999999999999999999", "before")]
    [InlineData("limit=1e400", "limit")]
    [InlineData("limit=0", "limit")]
    public async Task A_malformed_ledger_cursor_or_limit_is_a_400_naming_it(string query, string named)
    {
        var user = await system.CreateUserAsync();
        using var api = system.CreateApiClient(user.Token);

        using var response = await api.GetAsync($"/me/credits/ledger?{query}");

        await AssertBadRequestAsync(response, named);
    }

    [Fact]
    public async Task A_big_number_inside_a_strategy_is_a_number_like_any_other()
    {
        var user = await system.CreateUserAsync("pro");
        using var api = system.CreateApiClient(user.Token);

        using var response = await api.PostAsync("/me/symbols", Json("""{"symbol":"BTC/USDT","strategy":{"size":1e400}}"""));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var strategy = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("strategy");
        Assert.Equal(401, strategy.GetProperty("size").GetRawText().Length);
    }

    [Fact]
    public async Task A_value_the_database_refuses_leaves_the_connection_fit_for_the_next_request()
    {
        var user = await system.CreateUserAsync("enterprise");
        using var api = system.CreateApiClient(user.Token);

        // Sequential requests reuse one pooled connection: a refusal while the statement is being prepared must not spoil it.
        for (var i = 0; i < 4; i++)
        {
            using var good = await api.PostAsync("/me/symbols", Json($$$"""{"symbol":"GOOD{{{i}}}/USDT"}"""));
            using var bad = await api.PostAsync("/me/symbols", Json($$$"""{"symbol":"BAD{{{i}}}/USDT","strategy":{"note":"a\u0000b"}}"""));

            Assert.Equal(HttpStatusCode.Created, good.StatusCode);
            await AssertBadRequestAsync(bad, "strategy");
        }
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task AssertBadRequestAsync(HttpResponseMessage response, string named)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        var error = JsonDocument.Parse(text).RootElement;
        Assert.Equal("invalid_request", error.Str("error"));
        Assert.Contains(named, error.Str("message"), StringComparison.Ordinal);
    }
}
