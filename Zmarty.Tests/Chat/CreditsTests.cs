using System.Net;
using System.Text.Json;

namespace Zmarty.Tests.Chat;

/// <summary>Credits charged exactly once through A's functions, under concurrency, disconnects and crashes.</summary>
[Collection(ChatSystemCollection.Name)]
public sealed class CreditsTests(ChatSystemFixture system) : ChatSystemTest
{
    protected override ChatSystemFixture Running => system;

    [Fact]
    public async Task Two_hundred_concurrent_chats_with_a_balance_for_fifty_never_overdraw_and_the_ledger_equals_what_was_reported()
    {
        var probe = await system.CreateUserAsync("enterprise");
        using (var probeApi = system.CreateApiClient(probe.Token))
        {
            var (_, sample) = await Chats.PostAsync(probeApi, new { message = "Concurrent BTC?" });
            var cost = sample.Int("credits_charged");
            var user = await system.CreateUserAsync("enterprise", balance: 50 * cost);
            using var api = system.CreateApiClient(user.Token);

            var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Chats.PostAsync(api, new { message = "Concurrent BTC?" })));

            var answered = results.Where(r => r.Response.StatusCode == HttpStatusCode.OK).ToList();
            Assert.All(results, r => Assert.Contains((int)r.Response.StatusCode, new[] { 200, 402, 429 }));
            Assert.NotEmpty(answered);
            Assert.InRange(answered.Count, 1, 50);
            var reported = answered.Sum(r => r.Body.Int("credits_charged"));
            Assert.Equal(reported, await system.LedgerChargesAsync(user.Id));
            Assert.Equal(50 * cost - reported, await system.BalanceAsync(user.Id));
            Assert.True(await system.BalanceAsync(user.Id) >= 0);
            Assert.Equal(0, await system.OpenHoldsAsync(user.Id));
            Assert.All(results.Where(r => r.Response.StatusCode == HttpStatusCode.PaymentRequired),
                r => Assert.Equal("insufficient_credits", r.Body.Str("error")));
        }
    }

    [Fact]
    public async Task When_the_hold_does_not_fit_the_answer_is_402_with_the_balance_and_the_amount_required()
    {
        var user = await system.CreateUserAsync(balance: 2);
        using var api = system.CreateApiClient(user.Token);

        var (response, error) = await Chats.PostAsync(api, new { message = "How does BTC look?" });

        Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
        Assert.Equal("insufficient_credits", error.Str("error"));
        Assert.Equal(2, error.Int("balance"));
        Assert.True(error.Int("required") > 2);
        Assert.Equal(0, await system.ProviderCallsAsync("xai"));
        Assert.Equal(2, await system.BalanceAsync(user.Id));
    }

    [Fact]
    public async Task A_client_that_disconnects_mid_stream_is_charged_once_for_what_was_generated()
    {
        var user = await system.CreateUserAsync();
        await system.SetFaultAsync("xai", new { token_latency_ms = 30, reply_tokens = 400 });
        using var api = system.CreateApiClient(user.Token);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/chat")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { message = "Talk for a while", stream = true }),
        };

        using (var response = await api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            var tokens = 0;
            while (tokens < 5 && await reader.ReadLineAsync() is { } line)
            {
                tokens += line.Contains("\"type\":\"token\"", StringComparison.Ordinal) ? 1 : 0;
            }
        }

        Assert.True(await Chats.EventuallyAsync(async () => await system.LedgerChargesAsync(user.Id) > 0 && await system.OpenHoldsAsync(user.Id) == 0));
        await using var charge = system.Chat.CreateCommand(
            "select delta, units::text, metadata::text from public.credits_ledger where user_id = $1 and kind = 'charge'");
        charge.Parameters.Add(new() { Value = user.Id });
        await using var rows = await charge.ExecuteReaderAsync();
        Assert.True(await rows.ReadAsync());
        using var units = JsonDocument.Parse(rows.GetString(1));
        var generated = units.RootElement.GetProperty("output_tokens").GetInt32();
        Assert.InRange(generated, 5, 399);
        Assert.Equal(-Chats.Pricing.ForChat("grok", units.RootElement.GetProperty("input_tokens").GetInt32(), generated), rows.GetInt32(0));
        Assert.Contains("\"usage_estimated\": true", rows.GetString(2), StringComparison.Ordinal);
        Assert.False(await rows.ReadAsync());
        Assert.Equal(1, await system.ProviderCallsAsync("xai"));
    }

    [Fact]
    public async Task Holds_left_open_by_a_dead_request_are_released_on_the_schedule_the_api_runs()
    {
        var user = await system.CreateUserAsync();
        var requestId = $"chat:crashed:{Guid.NewGuid():N}";
        await system.ScalarAsync<object>(system.Chat, "select public.credits_hold($1, 30, $2)::text", user.Id, requestId);
        await system.ScalarAsync<object>(system.Chat,
            "update public.credit_holds set created_at = now() - interval '1 hour' where request_id = $1 returning 1", requestId);

        Assert.True(await Chats.EventuallyAsync(async () =>
            await system.ScalarAsync<string>(system.Chat, "select status from public.credit_holds where request_id = $1", requestId) == "released"));
        Assert.Equal(100, await system.BalanceAsync(user.Id));
        Assert.Equal(0L, await system.ScalarAsync<long>(system.Chat, "select held from public.credit_accounts where user_id = $1", user.Id));
    }
}
