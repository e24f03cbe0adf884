using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Zmarty.Api.Limits;

namespace Zmarty.Tests.Chat;

/// <summary>Conversations end to end: what the provider is sent, what A keeps, what /me/conversations answers.</summary>
[Collection(ChatSystemCollection.Name)]
public sealed class ConversationTests(ChatSystemFixture system) : ChatSystemTest
{
    protected override ChatSystemFixture Running => system;

    private static List<(string Role, string Content)> Messages(JsonElement request) =>
        [.. request.GetProperty("messages").EnumerateArray()
            .Select(m => (m.GetProperty("role").GetString()!, m.GetProperty("content").GetString()!))];

    [Fact]
    public async Task A_second_question_in_a_conversation_reaches_the_provider_with_the_first_question_and_answer()
    {
        var user = await system.CreateUserAsync("pro");
        using var api = system.CreateApiClient(user.Token);

        var (firstResponse, first) = await Chats.PostAsync(api, new { message = "How does BTC look?" });
        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
        var conversation = first.Str("conversation_id");
        var (secondResponse, second) = await Chats.PostAsync(api, new { message = "and on the 4h?", conversation_id = conversation });

        Assert.Equal(HttpStatusCode.OK, secondResponse.StatusCode);
        Assert.Equal(conversation, second.Str("conversation_id"));
        var requests = (await system.ProviderRequestsAsync("xai")).EnumerateArray().ToList();
        Assert.Equal(2, requests.Count);
        var sent = Messages(requests[1]);
        Assert.Equal(["system", "user", "assistant", "user"], sent.Select(m => m.Role));
        Assert.Equal("How does BTC look?", sent[1].Content);
        Assert.Equal(first.Str("text"), sent[2].Content);
        Assert.Equal("and on the 4h?", sent[3].Content);
        // The context block is today's, sent once, never replayed from the history.
        Assert.Single(sent, m => m.Content.StartsWith("You are Zmarty", StringComparison.Ordinal));
        Assert.True(second.Int("usage", "input_tokens") > first.Int("usage", "input_tokens"));
        Assert.Equal(Chats.ExpectedCost("grok", second.GetProperty("usage")), second.Int("credits_charged"));

        // The continued chat's hold covered the history it carried, at the reply's worst case.
        var hold = await system.ScalarAsync<int>(system.Chat,
            "select amount from public.credit_holds where request_id = $1", second.Str("metadata", "request_id"));
        var maxTokens = new TierOptions().Tiers["pro"].MaxTokens;
        Assert.True(hold >= Chats.Pricing.ForChat("grok", second.Int("usage", "input_tokens"), maxTokens),
            $"hold {hold} for {second.Int("usage", "input_tokens")} input tokens");

        var list = await api.GetFromJsonAsync<JsonElement>("/me/conversations");
        var item = Assert.Single(list.GetProperty("items").EnumerateArray());
        Assert.Equal(conversation, item.Str("id"));
        Assert.Equal("How does BTC look?", item.Str("title"));
        Assert.Equal(4, item.Int("message_count"));
        var page = await api.GetFromJsonAsync<JsonElement>($"/me/conversations/{conversation}/messages");
        var stored = page.GetProperty("items").EnumerateArray().Reverse().ToList();
        Assert.Equal(["user", "assistant", "user", "assistant"], stored.Select(m => m.Str("role")));
        Assert.Equal(second.Str("text"), stored[3].Str("content"));
        Assert.Equal(second.Int("credits_charged"), stored[3].Int("credits"));
        Assert.Equal(second.Str("metadata", "request_id"), stored[3].Str("request_id"));
    }

    [Fact]
    public async Task The_history_is_trimmed_at_the_budget_oldest_first()
    {
        // Free: a 2,000-token budget; each question here is over 1,000 tokens, so two earlier questions do not fit.
        var user = await system.CreateUserAsync("free", balance: 1000);
        using var api = system.CreateApiClient(user.Token);
        static string Question(int turn) =>
            $"Turn {turn}: " + string.Join(' ', Enumerable.Range(0, 650).Select(i => $"w{i}"));

        var (_, first) = await Chats.PostAsync(api, new { message = Question(1) });
        var conversation = first.Str("conversation_id");
        for (var turn = 2; turn <= 4; turn++)
        {
            var (response, _) = await Chats.PostAsync(api, new { message = Question(turn), conversation_id = conversation });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var last = Messages((await system.ProviderRequestsAsync("xai")).EnumerateArray().Last());
        var questions = last.Where(m => m.Role == "user").Select(m => m.Content[..7]).ToList();
        Assert.Equal(["Turn 3:", "Turn 4:"], questions);
        Assert.Equal("assistant", last[2].Role);
        Assert.Equal(8, await system.ScalarAsync<long>(system.Chat,
            "select count(*) from public.conversation_messages where conversation_id = $1", Guid.Parse(conversation)));
    }

    [Fact]
    public async Task Another_users_conversation_or_an_unknown_one_is_a_404_and_nothing_is_held_or_charged()
    {
        var owner = await system.CreateUserAsync();
        var other = await system.CreateUserAsync();
        using var ownerApi = system.CreateApiClient(owner.Token);
        using var otherApi = system.CreateApiClient(other.Token);
        var (_, first) = await Chats.PostAsync(ownerApi, new { message = "Mine" });
        var conversation = first.Str("conversation_id");

        var (theirs, problem) = await Chats.PostAsync(otherApi, new { message = "Let me in", conversation_id = conversation });
        var (unknown, _) = await Chats.PostAsync(otherApi, new { message = "Hello", conversation_id = Guid.NewGuid() });
        var (bad, badProblem) = await Chats.PostAsync(otherApi, new { message = "Hello", conversation_id = "nope" });

        Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        Assert.Equal("not_found", problem.Str("error"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("conversation_id", badProblem.Str("message"), StringComparison.Ordinal);
        Assert.Equal(100, await system.BalanceAsync(other.Id));
        Assert.Equal(0, await system.ScalarAsync<long>(system.Chat,
            "select count(*) from public.credit_holds where user_id = $1", other.Id));
        Assert.Equal(1, await system.ProviderCallsAsync("xai"));
        Assert.Equal(HttpStatusCode.NotFound, (await otherApi.GetAsync($"/me/conversations/{conversation}/messages")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await otherApi.DeleteAsync($"/me/conversations/{conversation}")).StatusCode);
    }

    [Fact]
    public async Task A_replayed_key_adds_no_message_and_its_stream_starts_in_the_same_conversation()
    {
        var user = await system.CreateUserAsync();
        using var api = system.CreateApiClient(user.Token);

        var (_, events) = await Chats.StreamAsync(api, new { message = "Once", stream = true }, "conv-replay");
        var (_, again) = await Chats.StreamAsync(api, new { message = "Once", stream = true }, "conv-replay");

        var conversation = events[0].Str("conversation_id");
        Assert.Equal(conversation, again[0].Str("conversation_id"));
        Assert.Equal(conversation, again[^1].Str("conversation_id"));
        Assert.Equal(2, await system.ScalarAsync<long>(system.Chat,
            "select count(*) from public.conversation_messages where user_id = $1", user.Id));
        Assert.Equal(1, await system.ScalarAsync<long>(system.Chat,
            "select count(*) from public.conversations where user_id = $1", user.Id));
    }

    [Fact]
    public async Task A_cut_stream_stores_the_delivered_part_marked_partial()
    {
        var user = await system.CreateUserAsync("pro");
        await system.SetFaultAsync("xai", new { mode = "break_stream", break_after = 5 });
        using var api = system.CreateApiClient(user.Token);

        var (_, events) = await Chats.StreamAsync(api, new { message = "Stream BTC", stream = true });

        Assert.Contains(events, e => e.Type() == "error");
        var delivered = string.Concat(events.Where(e => e.Type() == "token").Select(e => e.Str("content")));
        var conversation = Guid.Parse(events[0].Str("conversation_id"));
        await using var command = system.Chat.CreateCommand(
            "select content, partial, credits from public.conversation_messages where conversation_id = $1 and role = 'assistant'");
        command.Parameters.Add(new() { Value = conversation });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(delivered, reader.GetString(0));
        Assert.True(reader.GetBoolean(1));
        Assert.Equal(events[^1].Int("credits_charged"), reader.GetInt32(2));
    }

    [Fact]
    public async Task Deleting_a_conversation_removes_its_messages_and_keeps_the_ledger()
    {
        var user = await system.CreateUserAsync();
        using var api = system.CreateApiClient(user.Token);
        var (_, reply) = await Chats.PostAsync(api, new { message = "Keep my charge" });
        var conversation = reply.Str("conversation_id");
        var charged = await system.LedgerChargesAsync(user.Id);

        var deleted = await api.DeleteAsync($"/me/conversations/{conversation}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(0, await system.ScalarAsync<long>(system.Chat,
            "select count(*) from public.conversation_messages where user_id = $1", user.Id));
        Assert.Equal(charged, await system.LedgerChargesAsync(user.Id));
        Assert.True(charged > 0);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/me/conversations/{conversation}/messages")).StatusCode);
        var (continued, _) = await Chats.PostAsync(api, new { message = "Again?", conversation_id = conversation });
        Assert.Equal(HttpStatusCode.NotFound, continued.StatusCode);
    }

    [Fact]
    public async Task Conversations_are_renamed_archived_and_paged_newest_first()
    {
        var user = await system.CreateUserAsync();
        using var api = system.CreateApiClient(user.Token);
        var ids = new List<string>();
        foreach (var question in new[] { "First question", "Second question", "Third question" })
        {
            var (_, reply) = await Chats.PostAsync(api, new { message = question });
            ids.Add(reply.Str("conversation_id"));
        }

        var page1 = await api.GetFromJsonAsync<JsonElement>("/me/conversations?limit=2");
        var page2 = await api.GetFromJsonAsync<JsonElement>($"/me/conversations?limit=2&before={page1.Str("next_before")}");
        var renamed = await api.PatchAsJsonAsync($"/me/conversations/{ids[0]}", new { title = "  BTC plan  ", archived = true });
        var empty = await api.PatchAsJsonAsync($"/me/conversations/{ids[0]}", new { });
        var blank = await api.PatchAsJsonAsync($"/me/conversations/{ids[0]}", new { title = "   " });
        var badCursor = await api.GetAsync("/me/conversations?before=yesterday");
        var active = await api.GetFromJsonAsync<JsonElement>("/me/conversations");
        var archived = await api.GetFromJsonAsync<JsonElement>("/me/conversations?archived=true");

        Assert.Equal([ids[2], ids[1]], page1.GetProperty("items").EnumerateArray().Select(c => c.Str("id")));
        Assert.Equal([ids[0]], page2.GetProperty("items").EnumerateArray().Select(c => c.Str("id")));
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        var body = await renamed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("BTC plan", body.Str("title"));
        Assert.True(body.GetProperty("archived").GetBoolean());
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, blank.StatusCode);
        Assert.Contains("title", (await blank.Content.ReadFromJsonAsync<JsonElement>()).Str("message"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badCursor.StatusCode);
        Assert.Contains("before", (await badCursor.Content.ReadFromJsonAsync<JsonElement>()).Str("message"), StringComparison.Ordinal);
        Assert.DoesNotContain(ids[0], active.GetProperty("items").EnumerateArray().Select(c => c.Str("id")));
        Assert.Equal([ids[0]], archived.GetProperty("items").EnumerateArray().Select(c => c.Str("id")));
    }

    [Fact]
    public async Task A_long_first_question_titles_its_conversation_cut_at_a_word()
    {
        var user = await system.CreateUserAsync();
        using var api = system.CreateApiClient(user.Token);
        var question = "What do the signals say about BTC and ETH on the four hour chart this week, and should I worry about risk?";

        var (_, reply) = await Chats.PostAsync(api, new { message = question });

        var list = await api.GetFromJsonAsync<JsonElement>("/me/conversations");
        var title = Assert.Single(list.GetProperty("items").EnumerateArray()).Str("title");
        Assert.Equal(reply.Str("conversation_id"), Assert.Single(list.GetProperty("items").EnumerateArray()).Str("id"));
        Assert.EndsWith("…", title, StringComparison.Ordinal);
        Assert.True(title.Length <= 81);
        Assert.StartsWith(title[..^1], question, StringComparison.Ordinal);
        Assert.Equal(' ', question[title.Length - 1]);
    }
}
