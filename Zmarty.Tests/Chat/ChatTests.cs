using System.Net;
using System.Text.Json;

namespace Zmarty.Tests.Chat;

/// <summary>POST /chat end to end: the real Api, both databases, the emulated providers.</summary>
[Collection(ChatSystemCollection.Name)]
public sealed class ChatTests(ChatSystemFixture system) : ChatSystemTest
{
    protected override ChatSystemFixture Running => system;

    [Fact]
    public async Task A_user_sends_a_message_gets_an_answer_and_one_ledger_row_of_the_right_amount_appears_in_A()
    {
        var user = await system.CreateUserAsync();
        using var api = system.CreateApiClient(user.Token);

        var (response, reply) = await Chats.PostAsync(api, new { message = "How does BTC look?", mode = "text", stream = false });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("grok", reply.Str("provider"));
        Assert.Contains("How does BTC look?", reply.Str("text"), StringComparison.Ordinal);
        var usage = reply.GetProperty("usage");
        Assert.Equal(usage.Int("input_tokens") + usage.Int("output_tokens"), usage.Int("total_tokens"));
        var charged = reply.Int("credits_charged");
        Assert.Equal(Chats.ExpectedCost("grok", usage), charged);
        Assert.Equal(100 - charged, reply.Int("credits_remaining"));
        Assert.Equal("grok-3-mini", reply.Str("metadata", "model_version"));
        Assert.True(response.Headers.Contains("X-Zmarty-Overhead-Ms"));
        Assert.True(reply.GetProperty("metadata").GetProperty("overhead_ms").GetDouble() >= 0);

        await using var ledger = system.Chat.CreateCommand(
            "select delta, provider, units, request_id, metadata ->> 'model' from public.credits_ledger " +
            "where user_id = $1 and kind = 'charge'");
        ledger.Parameters.Add(new() { Value = user.Id });
        await using var rows = await ledger.ExecuteReaderAsync();
        Assert.True(await rows.ReadAsync());
        Assert.Equal(-charged, rows.GetInt32(0));
        Assert.Equal("grok", rows.GetString(1));
        using (var units = JsonDocument.Parse(rows.GetString(2)))
        {
            Assert.Equal(usage.Int("input_tokens"), units.RootElement.Int("input_tokens"));
            Assert.Equal(usage.Int("output_tokens"), units.RootElement.Int("output_tokens"));
            Assert.Equal(usage.Int("reasoning_tokens"), units.RootElement.Int("reasoning_tokens"));
        }

        Assert.Equal(reply.Str("metadata", "request_id"), rows.GetString(3));
        Assert.Equal("grok-3-mini", rows.GetString(4));
        Assert.False(await rows.ReadAsync());
        Assert.Equal(100 - charged, await system.BalanceAsync(user.Id));
        Assert.Equal(0, await system.OpenHoldsAsync(user.Id));
    }

    [Fact]
    public async Task A_streamed_reply_is_start_then_tokens_then_done_with_the_charge()
    {
        var user = await system.CreateUserAsync();
        using var api = system.CreateApiClient(user.Token);

        var (response, events) = await Chats.StreamAsync(api, new { message = "Stream BTC", stream = true });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("start", events[0].Type());
        Assert.Equal("grok", events[0].Str("provider"));
        var tokens = events.Skip(1).TakeWhile(e => e.Type() == "token").Select(e => e.Str("content")).ToList();
        Assert.Equal(48, tokens.Count);
        var done = events[^1];
        Assert.Equal("done", done.Type());
        Assert.Equal(1 + tokens.Count + 1, events.Count);
        // grok-3-mini reasons before it answers; xAI reports those tokens beside the 48 it wrote, and bills them as output.
        var reasoning = done.Int("usage", "reasoning_tokens");
        Assert.True(reasoning > 0);
        Assert.Equal(48 + reasoning, done.Int("usage", "output_tokens"));
        Assert.Equal(Chats.ExpectedCost("grok", done.GetProperty("usage")), done.Int("credits_charged"));
        Assert.Equal(done.Int("credits_charged"), await system.LedgerChargesAsync(user.Id));
        Assert.False(done.GetProperty("metadata").GetProperty("usage_estimated").GetBoolean());
    }

    [Fact]
    public async Task The_prompt_carries_the_users_own_symbols_and_signals_and_nobody_elses()
    {
        var user = await system.CreateUserAsync("pro");
        var other = await system.CreateUserAsync("pro");
        await WatchAsync(user, "BTC/USDT");
        await WatchAsync(user, "SOL/USDT");
        await WatchAsync(other, "ETH/USDT");
        await SignalAsync("BTC/USDT", null, 64123.5m);
        await SignalAsync("BTC/USDT", other.Id, 99999.5m);
        await SignalAsync("ETH/USDT", null, 3333.5m);
        using var api = system.CreateApiClient(user.Token);

        var (response, _) = await Chats.PostAsync(
            api, new { message = "How does BTC look?", context = new { symbols = new[] { "BTC/USDT" } } });
        var (all, _) = await Chats.PostAsync(api, new { message = "And everything?" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        var prompts = (await system.ProviderRequestsAsync("xai")).EnumerateArray()
            .Select(r => r.GetProperty("messages")[0].GetProperty("content").GetString()!).ToList();
        Assert.Contains("BTC/USDT 1h: signal long", prompts[0], StringComparison.Ordinal);
        Assert.Contains("entry 64123.5", prompts[0], StringComparison.Ordinal);
        Assert.DoesNotContain("SOL/USDT", prompts[0], StringComparison.Ordinal);
        Assert.Contains("SOL/USDT 1h: no signal", prompts[1], StringComparison.Ordinal);
        Assert.All(prompts, p => Assert.DoesNotContain("99999.5", p, StringComparison.Ordinal));
        Assert.All(prompts, p => Assert.DoesNotContain("ETH/USDT", p, StringComparison.Ordinal));
        Assert.All(prompts, p => Assert.Contains("win rate 30d 0.58 (n=41)", p.Split('\n')[2], StringComparison.Ordinal));
    }

    public static TheoryData<string, string, int, string> BadBodies => new()
    {
        { "", "application/json", 400, "empty" },
        { "{not json", "application/json", 400, "not valid JSON" },
        { "[1,2]", "application/json", 400, "JSON object" },
        { """{"mode":"text"}""", "application/json", 400, "message is required" },
        { """{"message":"hi","mode":"video"}""", "application/json", 400, "mode must be" },
        { """{"message":"hi","stream":"yes"}""", "application/json", 400, "stream must be" },
        { """{"message":"hi","context":{"symbols":["DOGE/USDT"]}}""", "application/json", 400, "do not watch: DOGE/USDT" },
        { """{"message":"hi","provider":"llama"}""", "application/json", 400, "provider must be" },
        { "{\"message\":\"" + new string('a', 70_000) + "\"}", "application/json", 413, "larger than" },
        { "{\"message\":\"" + new string('a', 5_000) + "\"}", "application/json", 413, "free tier allows 1024" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_input_gets_a_4xx_with_the_contracts_error_body_and_nothing_is_charged(
        string body, string contentType, int status, string because)
    {
        var user = await system.CreateUserAsync();
        using var api = system.CreateApiClient(user.Token);

        using var response = await api.PostAsync("/chat", new StringContent(body, System.Text.Encoding.UTF8, contentType));
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(status == 413 ? "message_too_long" : "invalid_request", error.RootElement.Str("error"));
        Assert.Contains(because, error.RootElement.Str("message"), StringComparison.Ordinal);
        Assert.Equal(100, await system.BalanceAsync(user.Id));
        Assert.Equal(0, await CountAsync("credit_holds", user));
        Assert.Equal(0, await system.ProviderCallsAsync("xai"));
    }

    /// <summary>The fuzzer's findings (issue 31) and their kin: each is a 400 naming what was wrong, never a 500.</summary>
    public static TheoryData<string, string, string> MalformedBodies => new()
    {
        { """{"message":"BTC\u0000?"}""", "invalid_text", "message contains U+0000" },
        { """{"message":"BTC \ud800?"}""", "invalid_text", "message is not valid Unicode" },
        { """{"message":"BTC \udc00"}""", "invalid_text", "message is not valid Unicode" },
        { """{"message":"hi","mode":"\ud800"}""", "invalid_text", "mode is not valid Unicode" },
        { """{"message":"hi","provider":"gr\u0000ok"}""", "invalid_text", "provider contains U+0000" },
        { """{"message":"hi","context":{"symbols":["BTC/USDT","\udfff"]}}""", "invalid_text", "context.symbols[1] is not valid Unicode" },
        { """{"\ud800":1,"message":"hi"}""", "invalid_text", "name escapes a lone surrogate" },
        { "1e400", "invalid_request", "must be a JSON object" },
        { """{"message":"hi","stream":1e400}""", "invalid_request", "stream must be true or false" },
        { """{"message":1e400}""", "invalid_request", "message is required" },
        { """{"message":"hi","context":{"symbols":[1e400]}}""", "invalid_request", "context.symbols must be an array" },
        { "\"How does BTC look?\"", "invalid_request", "must be a JSON object" },
        { "42", "invalid_request", "must be a JSON object" },
        { "null", "invalid_request", "must be a JSON object" },
        { """{"message":["hi"]}""", "invalid_request", "message is required" },
        { """{"message":"   "}""", "invalid_request", "non-empty string" },
        { """{"message":"hi","context":"BTC"}""", "invalid_request", "context must be an object" },
        { """{"message":"hi","context":{"include_signals":1}}""", "invalid_request", "context.include_signals" },
        { """{"message":"hi","provider":7}""", "invalid_request", "provider must be one of" },
        { """{"message":"hi"} {"message":"again"}""", "invalid_request", "not valid JSON" },
        { """{"message":"hi","message":"again"}""", "invalid_request", "Duplicate property" },
        { new string('[', 100) + new string(']', 100), "invalid_request", "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task A_malformed_body_is_a_400_that_names_what_was_wrong_before_anything_is_held(string body, string code, string because)
    {
        var user = await system.CreateUserAsync();
        using var api = system.CreateApiClient(user.Token);

        using var response = await api.PostAsync("/chat", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        await AssertRefusedAsync(response, user, code, because);
    }

    [Fact]
    public async Task A_body_that_is_not_utf8_is_a_400_invalid_text_before_anything_is_held()
    {
        var user = await system.CreateUserAsync();
        using var api = system.CreateApiClient(user.Token);
        // "BTC" and then a lone surrogate as UTF-8 would encode it (CESU-8), which UTF-8 forbids.
        byte[] body = [.. "{\"message\":\"BTC"u8, 0xED, 0xA0, 0x80, .. "\"}"u8];
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");

        using var response = await api.PostAsync("/chat", content);

        await AssertRefusedAsync(response, user, "invalid_text", "not valid UTF-8");
    }

    private async Task AssertRefusedAsync(HttpResponseMessage response, TestUser user, string code, string because)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var error = JsonDocument.Parse(text);
        Assert.Equal(code, error.RootElement.Str("error"));
        Assert.Contains(because, error.RootElement.Str("message"), StringComparison.Ordinal);
        Assert.Equal(100, await system.BalanceAsync(user.Id));
        Assert.Equal(0, await CountAsync("credit_holds", user));
        Assert.Equal(0, await CountAsync("chat_requests", user));
        Assert.Equal(0, await system.ProviderCallsAsync("xai"));
    }

    [Fact]
    public async Task Retries_with_the_same_idempotency_key_return_the_first_result_and_charge_once()
    {
        var user = await system.CreateUserAsync();
        using var api = system.CreateApiClient(user.Token);
        var body = new { message = "Idempotent BTC?" };

        var (first, firstReply) = await Chats.PostAsync(api, body, "key-1");
        var (second, secondReply) = await Chats.PostAsync(api, body, "key-1");
        var (streamed, events) = await Chats.StreamAsync(api, body);
        var (reused, reusedError) = await Chats.PostAsync(api, new { message = "Something else" }, "key-1");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(firstReply.Str("text"), secondReply.Str("text"));
        Assert.Equal(firstReply.Int("credits_charged"), secondReply.Int("credits_charged"));
        Assert.Equal(firstReply.Str("metadata", "request_id"), secondReply.Str("metadata", "request_id"));
        Assert.True(secondReply.GetProperty("metadata").GetProperty("replayed").GetBoolean());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.StatusCode);
        Assert.Equal("invalid_request", reusedError.Str("error"));
        Assert.Equal(HttpStatusCode.OK, streamed.StatusCode);
        Assert.Equal(2, await system.ProviderCallsAsync("xai"));
        var charges = await system.LedgerChargesAsync(user.Id);
        Assert.Equal(firstReply.Int("credits_charged") + events[^1].Int("credits_charged"), charges);
    }

    [Fact]
    public async Task A_tier_changed_since_the_users_last_chat_decides_the_next_one_and_a_refusal_writes_nothing()
    {
        var user = await system.CreateUserAsync("pro");
        using var api = system.CreateApiClient(user.Token);
        var voice = new { message = "Say BTC out loud", mode = "voice" };
        Assert.Equal(HttpStatusCode.OK, (await Chats.PostAsync(api, new { message = "First" })).Response.StatusCode);

        // The Api remembers a pro profile; A now says free, which has no voice.
        await SetTierAsync(user, "free");
        var (refused, error) = await Chats.PostAsync(api, voice, "voice-1");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("free tier", error.Str("message"), StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync("chat_requests", user));
        Assert.Equal(1, await CountAsync("credit_holds", user));

        // Now the Api remembers free; A says pro again, and the key was never claimed.
        await SetTierAsync(user, "pro");
        var (answered, reply) = await Chats.PostAsync(api, voice, "voice-1");
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.StartsWith("http", reply.Str("audio_url"), StringComparison.Ordinal);
        Assert.Equal(0, await system.OpenHoldsAsync(user.Id));
        Assert.Equal(100 - await system.LedgerChargesAsync(user.Id), reply.GetProperty("credits_remaining").GetInt64());
    }

    private Task<long> CountAsync(string table, TestUser user) =>
        system.ScalarAsync<long>(system.Chat, $"select count(*) from public.{table} where user_id = $1", user.Id);

    private Task SetTierAsync(TestUser user, string tier) =>
        system.ScalarAsync<object>(system.Chat, "update public.user_profiles set tier = $2 where id = $1 returning id", user.Id, tier);

    [Fact]
    public async Task Past_the_tiers_rate_the_chat_is_refused_with_429_and_the_rate_limit_headers()
    {
        var user = await system.CreateUserAsync();
        using var api = system.CreateApiClient(user.Token);
        var remaining = new List<int>();
        HttpResponseMessage? refused = null;
        JsonElement error = default;

        for (var i = 0; i < 11 && refused is null; i++)
        {
            var (response, body) = await Chats.PostAsync(api, new { message = $"Question {i}" });
            remaining.Add(int.Parse(
                response.Headers.GetValues("X-RateLimit-Remaining").Single(), System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal("10", response.Headers.GetValues("X-RateLimit-Limit").Single());
            Assert.True(response.Headers.Contains("X-RateLimit-Reset"));
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                (refused, error) = (response, body);
            }
        }

        // A minute boundary may fall inside the loop; then the count starts again and no 429 comes.
        if (refused is not null)
        {
            Assert.Equal("rate_limit_exceeded", error.Str("error"));
            Assert.Equal(10, error.Int("limit"));
            Assert.True(error.Int("retry_after") >= 1);
            Assert.True(refused.Headers.Contains("Retry-After"));
            Assert.Equal(0, remaining[^1]);
        }
        else
        {
            Assert.Contains(remaining, r => r == 9);
        }
    }

    private async Task WatchAsync(TestUser user, string symbol)
    {
        using var api = system.CreateApiClient(user.Token);
        var response = await api.PostAsync("/me/symbols",
            System.Net.Http.Json.JsonContent.Create(new { symbol, timeframe = "1h" }));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private async Task SignalAsync(string symbol, Guid? user, decimal entry)
    {
        await using var signal = system.Trading.CreateCommand("""
            insert into public.signals (symbol, timeframe, at, direction, score, entry_price, stop_loss, take_profit, confidence, user_id)
            values ($1, '1h', now() - interval '1 hour' + (case when $2::uuid is null then interval '0' else interval '1 minute' end),
                    'long', 0.72, $3, $3 * 0.98, array[$3 * 1.02, $3 * 1.05], 0.65, $2)
            on conflict do nothing
            """);
        signal.Parameters.Add(new() { Value = symbol });
        signal.Parameters.Add(new() { Value = (object?)user ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        signal.Parameters.Add(new() { Value = entry });
        await signal.ExecuteNonQueryAsync();
        await using var winRate = system.Trading.CreateCommand("""
            insert into public.win_rate (symbol, timeframe, lookback_days, win_rate, sample_size)
            values ($1, '1h', 30, 0.58, 41) on conflict do nothing
            """);
        winRate.Parameters.Add(new() { Value = symbol });
        await winRate.ExecuteNonQueryAsync();
    }
}
