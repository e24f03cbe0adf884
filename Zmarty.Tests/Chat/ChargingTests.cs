using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Zmarty.Tests.Chat;

/// <summary>
/// The review's money findings: a reply the client has is always charged, exactly once, and a request
/// that produced nothing always gives its hold back and leaves its Idempotency-Key usable.
/// </summary>
[Collection(ChatSystemCollection.Name)]
public sealed class ChargingTests(ChatSystemFixture system) : ChatSystemTest
{
    private const string ContextTooLong = "This model's maximum context length is 8192 tokens.";

    protected override ChatSystemFixture Running => system;

    [Fact]
    public async Task A_client_that_hangs_up_after_the_last_token_of_a_voice_reply_is_charged_for_the_reply_without_voice()
    {
        var user = await system.CreateUserAsync("pro");
        await system.SetFaultAsync("elevenlabs", new { latency_ms = 8000 });
        using var api = system.CreateApiClient(user.Token);

        var tokens = 0;
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/chat")
        {
            Content = JsonContent.Create(new { message = "Say BTC out loud", mode = "voice", stream = true }),
        })
        using (var response = await api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            // Every token arrives at once; then the stream waits on the (slow) voice step, and the client leaves.
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            var next = reader.ReadLineAsync();
            while (await Task.WhenAny(next, Task.Delay(2000)) == next && await next is { } line)
            {
                tokens += line.Contains("\"type\":\"token\"", StringComparison.Ordinal) ? 1 : 0;
                Assert.DoesNotContain("\"type\":\"done\"", line, StringComparison.Ordinal);
                next = reader.ReadLineAsync();
            }
        }

        Assert.True(await Chats.EventuallyAsync(async () => await system.OpenHoldsAsync(user.Id) == 0, seconds: 15));
        var (delta, units, audio) = await ChargeAsync(user);
        Assert.Equal(48, tokens);
        Assert.Equal(tokens + units.Int("reasoning_tokens"), units.Int("output_tokens"));
        Assert.Equal(Chats.ExpectedCost("grok", units), -delta);
        Assert.Equal(JsonValueKind.Null, audio.ValueKind);
    }

    [Fact]
    public async Task A_clip_that_cannot_be_saved_leaves_a_charged_reply_without_voice_not_a_free_one()
    {
        var user = await system.CreateUserAsync("pro");
        using var api = system.CreateApiClient(user.Token);
        await ExecuteAsync("alter table public.chat_audio add constraint test_refuse_audio check (false) not valid");
        try
        {
            var (response, reply) = await Chats.PostAsync(api, new { message = "Speak", mode = "voice" });

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.False(reply.TryGetProperty("audio_url", out _));
            Assert.Equal(Chats.ExpectedCost("grok", reply.GetProperty("usage")), reply.Int("credits_charged"));
            Assert.Equal(reply.Int("credits_charged"), await system.LedgerChargesAsync(user.Id));
            Assert.Equal(0, await system.OpenHoldsAsync(user.Id));
        }
        finally
        {
            await ExecuteAsync("alter table public.chat_audio drop constraint test_refuse_audio");
        }
    }

    [Theory]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(404)]
    public async Task A_provider_refusing_our_key_or_model_is_a_provider_fault_and_the_next_one_answers(int status)
    {
        var user = await system.CreateUserAsync("pro");
        await system.SetFaultAsync("xai", new { mode = "fail", status });
        using var api = system.CreateApiClient(user.Token);

        var (response, reply) = await Chats.PostAsync(api, new { message = "How does BTC look?" }, idempotencyKey: $"k-{status}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("gpt", reply.Str("provider"));
        Assert.Equal(["grok"], reply.GetProperty("metadata").GetProperty("fallback_from").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(reply.Int("credits_charged"), await system.LedgerChargesAsync(user.Id));
        Assert.Equal(0, await system.OpenHoldsAsync(user.Id));
    }

    [Fact]
    public async Task A_request_every_provider_refuses_is_a_400_with_their_reason_and_the_key_can_be_used_again()
    {
        var user = await system.CreateUserAsync("pro");
        foreach (var vendor in new[] { "xai", "openai", "anthropic" })
        {
            await system.SetFaultAsync(vendor, new { mode = "fail", status = 400, message = ContextTooLong });
        }

        using var api = system.CreateApiClient(user.Token);
        var body = new { message = "A very long question" };

        var (refused, error) = await Chats.PostAsync(api, body, idempotencyKey: "refused-once");

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("invalid_request", error.Str("error"));
        Assert.Contains("maximum context length", error.Str("message"), StringComparison.Ordinal);
        Assert.Equal(0, await system.OpenHoldsAsync(user.Id));
        Assert.Equal(100, await system.BalanceAsync(user.Id));

        await system.ResetEmulatorsAsync();
        var (retried, reply) = await Chats.PostAsync(api, body, idempotencyKey: "refused-once");
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(reply.Int("credits_charged"), await system.LedgerChargesAsync(user.Id));
    }

    [Fact]
    public async Task A_stream_that_outlives_the_reply_limit_is_cut_with_an_error_event_and_charged_for_what_was_delivered()
    {
        // The fixture sets Chat:MaxReplyDuration to 4 s; this reply would take 40 s.
        var user = await system.CreateUserAsync();
        await system.SetFaultAsync("xai", new { token_latency_ms = 200, reply_tokens = 200 });
        using var api = system.CreateApiClient(user.Token);

        var (response, events) = await Chats.StreamAsync(api, new { message = "Talk for a long while", stream = true });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var done = events[^1];
        Assert.Equal("done", done.Type());
        var error = events[^2];
        Assert.Equal("error", error.Type());
        Assert.Equal("reply_deadline", error.Str("error"));
        var delivered = events.Count(e => e.Type() == "token");
        Assert.InRange(delivered, 1, 199);
        Assert.Equal("deadline", done.Str("metadata", "finish_reason"));
        Assert.Equal(delivered, done.Int("usage", "output_tokens"));
        Assert.Equal(Chats.ExpectedCost("grok", done.GetProperty("usage")), done.Int("credits_charged"));
        Assert.Equal(done.Int("credits_charged"), await system.LedgerChargesAsync(user.Id));
        Assert.Equal(0, await system.OpenHoldsAsync(user.Id));
    }

    [Fact]
    public async Task A_json_reply_without_usage_is_charged_from_estimates_like_a_stream_not_as_zero_tokens()
    {
        var user = await system.CreateUserAsync();
        await system.SetFaultAsync("xai", new { omit_usage = true, reply_tokens = 300 });
        using var api = system.CreateApiClient(user.Token);

        var (response, reply) = await Chats.PostAsync(api, new { message = "How does BTC look?" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(reply.GetProperty("metadata").GetProperty("usage_estimated").GetBoolean());
        var usage = reply.GetProperty("usage");
        Assert.Equal((Encoding.UTF8.GetByteCount(reply.Str("text")) + 3) / 4, usage.Int("output_tokens"));
        Assert.True(usage.Int("input_tokens") > 0);
        Assert.Equal(Chats.ExpectedCost("grok", usage), reply.Int("credits_charged"));
    }

    private async Task<(int Delta, JsonElement Units, JsonElement AudioId)> ChargeAsync(TestUser user)
    {
        await using var command = system.Chat.CreateCommand(
            "select delta, units::text, metadata::text from public.credits_ledger where user_id = $1 and kind = 'charge'");
        command.Parameters.Add(new() { Value = user.Id });
        await using var rows = await command.ExecuteReaderAsync();
        Assert.True(await rows.ReadAsync());
        var delta = rows.GetInt32(0);
        var units = JsonDocument.Parse(rows.GetString(1)).RootElement.Clone();
        var audio = JsonDocument.Parse(rows.GetString(2)).RootElement.GetProperty("audio_id").Clone();
        Assert.False(await rows.ReadAsync());
        return (delta, units, audio);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = system.Chat.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
