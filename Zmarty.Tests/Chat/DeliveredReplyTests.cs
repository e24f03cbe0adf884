using System.Net;
using System.Text.Json;

namespace Zmarty.Tests.Chat;

/// <summary>
/// Issue 31: once a token has been delivered, what was delivered is charged, whatever else fails. Storing a keyed
/// reply for its replays is apart from the charge: text PostgreSQL cannot store is cleaned first, and a copy that
/// still cannot be stored costs the replay, never the charge.
/// </summary>
[Collection(ChatSystemCollection.Name)]
public sealed class DeliveredReplyTests(ChatSystemFixture system) : ChatSystemTest
{
    private const string WithNul = "BTC\u0000 holds 64k, \u0000support at 61k.";
    private const string Cleaned = "BTC\uFFFD holds 64k, \uFFFDsupport at 61k.";

    protected override ChatSystemFixture Running => system;

    [Fact]
    public async Task A_reply_with_nul_characters_is_charged_once_and_its_key_replays_it_with_U_FFFD_in_their_place()
    {
        var user = await system.CreateUserAsync("pro");
        await system.SetFaultAsync("xai", new { reply_text = WithNul });
        using var api = system.CreateApiClient(user.Token);
        var body = new { message = "How does BTC look?" };

        var (first, reply) = await Chats.PostAsync(api, body, "nul-reply");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(WithNul, reply.Str("text"));
        Assert.Equal(Chats.ExpectedCost("grok", reply.GetProperty("usage")), reply.Int("credits_charged"));
        Assert.Equal(reply.Int("credits_charged"), await system.LedgerChargesAsync(user.Id));
        Assert.Equal(0, await system.OpenHoldsAsync(user.Id));

        var (again, replay) = await Chats.PostAsync(api, body, "nul-reply");

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.True(replay.GetProperty("metadata").GetProperty("replayed").GetBoolean());
        Assert.Equal(Cleaned, replay.Str("text"));
        Assert.Equal(reply.Int("credits_charged"), replay.Int("credits_charged"));
        Assert.Equal(reply.Int("credits_charged"), await system.LedgerChargesAsync(user.Id));
        Assert.Equal(1, await system.ProviderCallsAsync("xai"));
    }

    [Fact]
    public async Task A_streamed_reply_with_nul_characters_ends_with_done_and_is_charged_once()
    {
        var user = await system.CreateUserAsync("pro");
        await system.SetFaultAsync("xai", new { reply_text = WithNul });
        using var api = system.CreateApiClient(user.Token);

        var (response, events) = await Chats.StreamAsync(api, new { message = "Stream BTC", stream = true }, "nul-stream");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(WithNul, string.Concat(events.Where(e => e.Type() == "token").Select(e => e.Str("content"))));
        var done = events[^1];
        Assert.Equal("done", done.Type());
        Assert.Equal(Chats.ExpectedCost("grok", done.GetProperty("usage")), done.Int("credits_charged"));
        Assert.Equal(done.Int("credits_charged"), await system.LedgerChargesAsync(user.Id));
        Assert.Equal(0, await system.OpenHoldsAsync(user.Id));
        Assert.Equal("completed", await KeyStatusAsync(user, "nul-stream"));
    }

    [Fact]
    public async Task A_reply_whose_copy_cannot_be_stored_is_still_charged_and_its_key_then_answers_410_reply_not_kept()
    {
        var user = await system.CreateUserAsync("pro");
        using var api = system.CreateApiClient(user.Token);
        var body = new { message = "How does ETH look?" };
        await ExecuteAsync("alter table public.chat_requests add constraint test_refuse_reply check (response is null) not valid");
        (HttpResponseMessage Response, JsonElement Body) first;
        try
        {
            first = await Chats.PostAsync(api, body, "unkept");
        }
        finally
        {
            await ExecuteAsync("alter table public.chat_requests drop constraint test_refuse_reply");
        }

        Assert.Equal(HttpStatusCode.OK, first.Response.StatusCode);
        var charged = first.Body.Int("credits_charged");
        Assert.Equal(Chats.ExpectedCost("grok", first.Body.GetProperty("usage")), charged);
        Assert.Equal(charged, await system.LedgerChargesAsync(user.Id));
        Assert.Equal(0, await system.OpenHoldsAsync(user.Id));
        Assert.Equal("completed", await KeyStatusAsync(user, "unkept"));

        var (again, error) = await Chats.PostAsync(api, body, "unkept");

        Assert.Equal(HttpStatusCode.Gone, again.StatusCode);
        Assert.Equal("reply_not_kept", error.Str("error"));
        Assert.Contains("answered and charged", error.Str("message"), StringComparison.Ordinal);
        Assert.Equal(charged, await system.LedgerChargesAsync(user.Id));
        Assert.Equal(1, await system.ProviderCallsAsync("xai"));
    }

    [Fact]
    public async Task A_stream_whose_provider_sends_a_lone_surrogate_after_some_tokens_is_charged_for_what_was_delivered()
    {
        var user = await system.CreateUserAsync("pro");
        await system.SetFaultAsync("xai", new { mode = "lone_surrogate", break_after = 4 });
        using var api = system.CreateApiClient(user.Token);

        var (response, events) = await Chats.StreamAsync(api, new { message = "Stream BTC", stream = true }, "lone-stream");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var tokens = events.Count(e => e.Type() == "token");
        Assert.True(tokens >= 4, $"{tokens} tokens were delivered");
        var done = events[^1];
        Assert.Equal("done", done.Type());
        Assert.Equal(Chats.ExpectedCost("grok", done.GetProperty("usage")), done.Int("credits_charged"));
        Assert.True(done.Int("credits_charged") > 0);
        Assert.Equal(done.Int("credits_charged"), await system.LedgerChargesAsync(user.Id));
        Assert.Equal(0, await system.OpenHoldsAsync(user.Id));
        Assert.Equal(0, await system.ProviderCallsAsync("openai"));
    }

    private Task<string> KeyStatusAsync(TestUser user, string key) => system.ScalarAsync<string>(
        system.Chat, "select status from public.chat_requests where user_id = $1 and idempotency_key = $2", user.Id, key);

    private async Task ExecuteAsync(string sql)
    {
        await using var command = system.Chat.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
