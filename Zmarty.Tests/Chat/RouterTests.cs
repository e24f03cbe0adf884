using System.Net;

namespace Zmarty.Tests.Chat;

/// <summary>The model router against misbehaving emulated providers: fallback order, price cap, broken streams.</summary>
[Collection(ChatSystemCollection.Name)]
public sealed class RouterTests(ChatSystemFixture system) : ChatSystemTest
{
    protected override ChatSystemFixture Running => system;

    [Theory]
    [InlineData("fail", 500)]
    [InlineData("fail", 503)]
    [InlineData("rate_limit", 429)]
    [InlineData("stall", 0)]
    public async Task When_grok_fails_gpt_answers_and_is_charged_at_gpts_rates(string mode, int status)
    {
        var user = await system.CreateUserAsync("pro");
        await system.SetFaultAsync("xai", new { mode, status });
        using var api = system.CreateApiClient(user.Token);

        var (response, reply) = await Chats.PostAsync(api, new { message = "How does BTC look?" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("gpt", reply.Str("provider"));
        Assert.Equal(Chats.ExpectedCost("gpt", reply.GetProperty("usage")), reply.Int("credits_charged"));
        Assert.NotEqual(Chats.ExpectedCost("grok", reply.GetProperty("usage")), reply.Int("credits_charged"));
        Assert.Equal(["grok"], reply.GetProperty("metadata").GetProperty("fallback_from").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(reply.Int("credits_charged"), await system.LedgerChargesAsync(user.Id));
        Assert.Equal("gpt", await system.ScalarAsync<string>(system.Chat,
            "select provider from public.credits_ledger where user_id = $1 and kind = 'charge'", user.Id));
        Assert.Equal(0, await system.OpenHoldsAsync(user.Id));
    }

    [Theory]
    [InlineData(302)]
    [InlineData(402)]
    [InlineData(405)]
    [InlineData(409)]
    [InlineData(410)]
    [InlineData(415)]
    [InlineData(418)]
    [InlineData(451)]
    public async Task Any_other_status_from_grok_is_a_provider_fault_and_gpt_answers_with_nothing_left_held(int status)
    {
        var user = await system.CreateUserAsync("pro");
        await system.SetFaultAsync("xai", new { mode = "fail", status });
        using var api = system.CreateApiClient(user.Token);

        var (response, reply) = await Chats.PostAsync(api, new { message = "How does BTC look?" }, idempotencyKey: $"status-{status}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("gpt", reply.Str("provider"));
        Assert.Equal(["grok"], reply.GetProperty("metadata").GetProperty("fallback_from").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(Chats.ExpectedCost("gpt", reply.GetProperty("usage")), reply.Int("credits_charged"));
        Assert.Equal(reply.Int("credits_charged"), await system.LedgerChargesAsync(user.Id));
        Assert.Equal(0, await system.OpenHoldsAsync(user.Id));
    }

    [Fact]
    public async Task When_every_provider_answers_a_status_a_retry_cannot_mend_the_answer_is_502_naming_each_and_nothing_is_held()
    {
        var user = await system.CreateUserAsync("pro");
        await system.SetFaultAsync("xai", new { mode = "fail", status = 402 });
        await system.SetFaultAsync("openai", new { mode = "fail", status = 410 });
        await system.SetFaultAsync("anthropic", new { mode = "fail", status = 415 });
        using var api = system.CreateApiClient(user.Token);
        var body = new { message = "Anyone?" };

        var (response, error) = await Chats.PostAsync(api, body, idempotencyKey: "provider-errors");
        var (streamed, events) = await Chats.StreamAsync(api, new { message = "Anyone, streaming?", stream = true });

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("provider_error", error.Str("error"));
        Assert.Contains("grok answered HTTP 402", error.Str("message"), StringComparison.Ordinal);
        Assert.Contains("gpt answered HTTP 410", error.Str("message"), StringComparison.Ordinal);
        Assert.Contains("claude answered HTTP 415", error.Str("message"), StringComparison.Ordinal);
        Assert.Equal(["grok", "gpt", "claude"], error.GetProperty("providers").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(HttpStatusCode.BadGateway, streamed.StatusCode);
        Assert.Equal("provider_error", events.Single().Str("error"));
        Assert.Equal(100, await system.BalanceAsync(user.Id));
        Assert.Equal(0, await system.OpenHoldsAsync(user.Id));

        await system.ResetEmulatorsAsync();
        var (retried, reply) = await Chats.PostAsync(api, body, idempotencyKey: "provider-errors");
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(reply.Int("credits_charged"), await system.LedgerChargesAsync(user.Id));
    }

    [Fact]
    public async Task When_one_provider_fails_for_a_while_and_the_others_answer_statuses_a_retry_cannot_mend_the_answer_is_503()
    {
        var user = await system.CreateUserAsync("pro");
        await system.SetFaultAsync("xai", new { mode = "fail", status = 402 });
        await system.SetFaultAsync("openai", new { mode = "rate_limit" });
        await system.SetFaultAsync("anthropic", new { mode = "fail", status = 410 });
        using var api = system.CreateApiClient(user.Token);

        var (response, error) = await Chats.PostAsync(api, new { message = "Anyone?" });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("all_providers_failed", error.Str("error"));
        Assert.Contains("gpt answered HTTP 429", error.Str("message"), StringComparison.Ordinal);
        Assert.Equal(100, await system.BalanceAsync(user.Id));
        Assert.Equal(0, await system.OpenHoldsAsync(user.Id));
    }

    [Fact]
    public async Task A_reply_grok_sends_that_cannot_be_read_is_a_provider_fault_and_gpt_answers()
    {
        var user = await system.CreateUserAsync("pro");
        await system.SetFaultAsync("xai", new { mode = "lone_surrogate" });
        using var api = system.CreateApiClient(user.Token);

        var (response, reply) = await Chats.PostAsync(api, new { message = "How does BTC look?" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("gpt", reply.Str("provider"));
        Assert.Equal(reply.Int("credits_charged"), await system.LedgerChargesAsync(user.Id));
        Assert.Equal(0, await system.OpenHoldsAsync(user.Id));
    }

    [Fact]
    public async Task A_fallback_whose_worst_case_is_beyond_the_price_cap_is_skipped_and_nothing_is_charged()
    {
        // Free tier: 1,024 output tokens at GPT's or Claude's rates may cost 13 credits, over the cap of 12.
        var user = await system.CreateUserAsync("free");
        await system.SetFaultAsync("xai", new { mode = "fail" });
        using var api = system.CreateApiClient(user.Token);

        var (response, error) = await Chats.PostAsync(api, new { message = "How does BTC look?" });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("all_providers_failed", error.Str("error"));
        Assert.Equal(0, await system.ProviderCallsAsync("openai"));
        Assert.Equal(0, await system.ProviderCallsAsync("anthropic"));
        Assert.Equal(100, await system.BalanceAsync(user.Id));
        Assert.Equal(0, await system.OpenHoldsAsync(user.Id));
    }

    [Fact]
    public async Task When_every_provider_fails_the_answer_is_503_and_nothing_is_charged()
    {
        var user = await system.CreateUserAsync("pro");
        foreach (var vendor in new[] { "xai", "openai", "anthropic" })
        {
            await system.SetFaultAsync(vendor, new { mode = "fail", status = 502 });
        }

        using var api = system.CreateApiClient(user.Token);
        var (response, error) = await Chats.PostAsync(api, new { message = "Anyone?" });
        var (streamed, events) = await Chats.StreamAsync(api, new { message = "Anyone, streaming?", stream = true });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("all_providers_failed", error.Str("error"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, streamed.StatusCode);
        Assert.Equal("all_providers_failed", events.Single().Str("error"));
        foreach (var vendor in new[] { "xai", "openai", "anthropic" })
        {
            Assert.Equal(2, await system.ProviderCallsAsync(vendor));
        }

        Assert.Equal(100, await system.BalanceAsync(user.Id));
        Assert.Equal(0, await system.LedgerChargesAsync(user.Id));
        Assert.Equal(0, await system.OpenHoldsAsync(user.Id));
    }

    [Fact]
    public async Task A_stream_that_breaks_before_its_first_token_falls_back()
    {
        var user = await system.CreateUserAsync("pro");
        await system.SetFaultAsync("xai", new { mode = "break_stream", break_after = 0 });
        using var api = system.CreateApiClient(user.Token);

        var (response, events) = await Chats.StreamAsync(api, new { message = "Stream BTC", stream = true });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("gpt", events[0].Str("provider"));
        Assert.Equal("done", events[^1].Type());
        Assert.Equal(events[^1].Int("credits_charged"), await system.LedgerChargesAsync(user.Id));
    }

    [Fact]
    public async Task A_stream_broken_after_some_tokens_ends_with_an_error_and_charges_what_was_delivered_once()
    {
        var user = await system.CreateUserAsync();
        await system.SetFaultAsync("xai", new { mode = "break_stream", break_after = 5 });
        using var api = system.CreateApiClient(user.Token);

        var (response, events) = await Chats.StreamAsync(api, new { message = "Stream BTC", stream = true });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["start", "token", "token", "token", "token", "token", "error", "done"], events.Select(e => e.Type()));
        var done = events[^1];
        Assert.Equal(5, done.Int("usage", "output_tokens"));
        Assert.True(done.GetProperty("metadata").GetProperty("usage_estimated").GetBoolean());
        Assert.Equal(Chats.ExpectedCost("grok", done.GetProperty("usage")), done.Int("credits_charged"));
        Assert.Equal(done.Int("credits_charged"), await system.LedgerChargesAsync(user.Id));
        Assert.Equal(1, await system.ScalarAsync<long>(system.Chat,
            "select count(*) from public.credits_ledger where user_id = $1 and kind = 'charge'", user.Id));
        Assert.Equal(0, await system.ProviderCallsAsync("openai"));
    }
}
