using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Zmarty.Emulators.Market;
using Zmarty.Tests.Chat;

namespace Zmarty.Tests.Emulators;

/// <summary>
/// Cryptometer and King Fisher as the emulators serve them: what the real services answer, per the owner's evidence
/// (docs/pipeline.md), including what they refuse.
/// </summary>
[Collection(ChatSystemCollection.Name)]
public sealed class MarketEmulatorTests(ChatSystemFixture system) : ChatSystemTest
{
    protected override ChatSystemFixture Running => system;

    private static readonly JsonSerializerOptions s_controlJson = new(JsonSerializerDefaults.Web);

    /// <summary>A key of its own per test, so no other caller's calls count against its rate limit.</summary>
    private readonly string _key = $"test-{Guid.NewGuid():N}";

    [Fact]
    public async Task Candles_carry_their_time_as_an_iso_string()
    {
        var row = (await GetAsync($"/cryptometer/ohlcv/?e=binance&pair=BTC-USDT&timeframe=1h&api_key={_key}")).GetProperty("data")[0];

        var stamp = row.GetProperty("timestamp");
        Assert.Equal(JsonValueKind.String, stamp.ValueKind);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2} \d{2}:00:00$", stamp.GetString());
    }

    [Fact]
    public async Task The_ticker_takes_market_pair_and_refuses_pair_as_a_missing_parameter_with_http_200()
    {
        using var http = system.CreateEmulatorsClient();
        using var refused = await http.GetAsync($"/cryptometer/ticker/?e=binance&pair=BTC-USDT&api_key={_key}");
        var body = await refused.Content.ReadFromJsonAsync<JsonElement>();
        var answered = await GetAsync($"/cryptometer/ticker/?e=binance&market_pair=BTCUSDT&api_key={_key}");

        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Equal("false", body.GetProperty("success").GetString());
        Assert.Equal("Parameter is missing", body.GetProperty("error").GetString());
        Assert.Equal("true", answered.GetProperty("success").GetString());
        Assert.True(answered.GetProperty("data")[0].GetProperty("last").GetDouble() > 0);
    }

    [Fact]
    public async Task The_trend_indicator_is_one_market_wide_reading_in_percent_asked_with_the_key_alone()
    {
        var data = (await GetAsync($"/cryptometer/trend-indicator-v3/?api_key={_key}")).GetProperty("data");

        var reading = Assert.Single(data.EnumerateArray());
        Assert.False(reading.TryGetProperty("symbol", out _));
        var buy = reading.GetProperty("buy_pressure").GetDouble();
        Assert.InRange(buy, 0, 100);
        Assert.Equal(100, buy + reading.GetProperty("sell_pressure").GetDouble(), 3);
    }

    [Fact]
    public async Task Liquidations_are_keyed_by_the_futures_exchanges_cryptometer_reports()
    {
        var data = (await GetAsync($"/cryptometer/liquidation-data-v2/?symbol=btc&api_key={_key}")).GetProperty("data")[0];

        Assert.Equal(["binance_futures", "bybit", "okx", "bitmex"], data.EnumerateObject().Select(e => e.Name));
        Assert.All(data.EnumerateObject(), e => Assert.True(e.Value.GetProperty("longs").GetDouble() >= 0));
    }

    [Fact]
    public async Task A_key_gets_ten_calls_in_five_seconds_and_the_eleventh_gets_429_with_retry_after()
    {
        using var http = system.CreateEmulatorsClient();
        var statuses = new List<HttpStatusCode>();
        TimeSpan? retryAfter = null;
        for (var i = 0; i < 11; i++)
        {
            using var response = await http.GetAsync($"/cryptometer/trend-indicator-v3/?api_key={_key}");
            statuses.Add(response.StatusCode);
            retryAfter ??= response.Headers.RetryAfter?.Delta;
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.OK, 10), HttpStatusCode.TooManyRequests], statuses);
        Assert.InRange(retryAfter!.Value.TotalSeconds, 1, 5);
        Assert.Equal(new KeyCalls(_key, 10, 1), await KeyCallsAsync());
    }

    [Fact]
    public async Task A_call_a_fault_answers_still_counts_against_the_keys_rate()
    {
        using var http = system.CreateEmulatorsClient();
        var symbol = $"T{Guid.NewGuid():N}"[..12].ToUpperInvariant();
        var fault = new Fault("ticker", FaultMode.Refuse, Times: 10, Symbol: symbol);
        (await http.PostAsJsonAsync("/market/faults", fault, s_controlJson)).EnsureSuccessStatusCode();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 11; i++)
        {
            using var response = await http.GetAsync($"/cryptometer/ticker/?e=binance&market_pair={symbol}USDT&api_key={_key}");
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.OK, 10), HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(new KeyCalls(_key, 10, 1), await KeyCallsAsync());
    }

    [Fact]
    public async Task A_call_without_a_key_is_refused_in_the_envelope()
    {
        var body = await GetAsync("/cryptometer/ohlcv/?e=binance&pair=BTC-USDT&timeframe=1h");

        Assert.Equal("false", body.GetProperty("success").GetString());
        Assert.Equal("Invalid API key", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task The_owners_cluster_table_is_served_the_postgrest_way_and_refuses_what_postgrest_refuses()
    {
        using var http = system.CreateEmulatorsClient();
        const string query = "/kingfisher/rest/v1/kf_clusters?select=side,price,notional,ts&symbol=eq.BTC&order=ts.desc&limit=50";

        using var anonymous = await http.GetAsync(query);
        using var unknownColumn = new HttpRequestMessage(
            HttpMethod.Get, "/kingfisher/rest/v1/kf_clusters?select=side,volume&symbol=eq.BTC");
        unknownColumn.Headers.Add("apikey", "key");
        using var refused = await http.SendAsync(unknownColumn);
        using var read = new HttpRequestMessage(HttpMethod.Get, query);
        read.Headers.Add("apikey", "key");
        var rows = await (await http.SendAsync(read)).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("42703", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.True(rows.GetArrayLength() > 0);
        Assert.All(rows.EnumerateArray(), r => Assert.Equal(["side", "price", "notional", "ts"], r.EnumerateObject().Select(p => p.Name)));
        Assert.Contains(rows.EnumerateArray(), r => r.GetProperty("side").GetString() == "above");
        Assert.Contains(rows.EnumerateArray(), r => r.GetProperty("side").GetString() == "below");
        var times = rows.EnumerateArray().Select(r => r.GetProperty("ts").GetString()).ToList();
        Assert.Equal(times.OrderDescending(StringComparer.Ordinal), times);
    }

    [Fact]
    public async Task King_fishers_api_logs_in_with_user_and_password_and_wants_the_pair_with_a_slash()
    {
        using var http = system.CreateEmulatorsClient();
        using var withKey = await http.PostAsJsonAsync("/kingfisher/api/auth/login", new { api_key = "k" });
        using var login = await http.PostAsJsonAsync("/kingfisher/api/auth/login", new { login = "owner", password = "secret" });
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();

        async Task<HttpStatusCode> MapAsync(object body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/kingfisher/api/private/map/latest")
            {
                Content = JsonContent.Create(body),
            };
            request.Headers.Authorization = new("Bearer", token);
            using var response = await http.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.Unauthorized, withKey.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, await MapAsync(new { pair = "BTC-USDT", type = "all_leverage" }));
        Assert.Equal(HttpStatusCode.BadRequest, await MapAsync(new { pair = "BTC/USDT", type = "liquidation" }));
        Assert.Equal(HttpStatusCode.OK, await MapAsync(new { pair = "BTC/USDT", type = "high_leverage" }));
    }

    /// <summary>What the emulator's rate limit let through and refused for this test's key.</summary>
    private async Task<KeyCalls> KeyCallsAsync()
    {
        using var http = system.CreateEmulatorsClient();
        var report = await http.GetFromJsonAsync<RateLimitReport>("/market/rate-limit", s_controlJson);
        Assert.Equal((10, 5), (report!.RequestsPerWindow, report.WindowSeconds));
        return Assert.Single(report.Keys, k => k.Key == _key);
    }

    private async Task<JsonElement> GetAsync(string path)
    {
        using var http = system.CreateEmulatorsClient();
        using var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
