using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using System.Diagnostics;
using System.Net;
using Zmarty.Tests.AppHost;

namespace Zmarty.Tests.Chat;

/// <summary>
/// Supabase A stopped in the middle of a chat (issue 31): the client gets 503 <c>service_unavailable</c> with
/// <c>Retry-After</c> at once, nothing is charged or left held, and the same Idempotency-Key runs once A is back.
/// A system of its own: a restarted A leaves the Api's pooled connections broken, which the next chats would meet.
/// </summary>
[Collection(AppHostSecondCollection.Name)]
public sealed class DatabaseOutageTests
{
    /// <summary>Well within the Api's cleanup retries (Credits:SettleRetryWindow, 30 s), which must not delay the answer.</summary>
    private static readonly TimeSpan s_prompt = TimeSpan.FromSeconds(10);

    /// <summary>How long grok takes to fail: time enough to stop A while the chat waits for it.</summary>
    private const int GrokLatencyMs = 8000;

    /// <summary>The chat system, with a provider timeout longer than grok's slow failure.</summary>
    private sealed class OutageSystem : ChatSystemFixture
    {
        protected override void ConfigureApi(IResourceBuilder<ProjectResource> api) =>
            api.WithEnvironment("Chat__Router__Timeout", "00:00:20");
    }

    [Fact]
    public async Task A_chat_that_finds_A_stopped_mid_request_gets_503_with_retry_after_at_once_and_its_key_runs_once_A_is_back()
    {
        var system = new OutageSystem();
        await system.InitializeAsync();
        try
        {
            var user = await system.CreateUserAsync("pro");
            using var api = system.CreateApiClient(user.Token);
            // The Api now knows the profile: the next chat's first step is chat_begin in A.
            var (warm, warmReply) = await Chats.PostAsync(api, new { message = "First" });
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
            var charged = warmReply.Int("credits_charged");

            // Grok fails slowly; meanwhile A stops, so the fallback's hold cannot be made.
            await system.SetFaultAsync("xai", new { mode = "fail", status = 503, latency_ms = GrokLatencyMs, times = 1 });
            var body = new { message = "How does SOL look?" };
            var chat = Chats.PostAsync(api, body, "outage");
            Assert.True(await Chats.EventuallyAsync(async () => await system.ProviderCallsAsync("xai") == 2, seconds: 10));
            var clock = Stopwatch.StartNew();
            await system.App.StopResourceAsync("supabase-a");
            Assert.True(clock.ElapsedMilliseconds < GrokLatencyMs, $"stopping A took {clock.Elapsed.TotalSeconds:0.0} s");

            var (refused, error) = await chat;

            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("service_unavailable", error.Str("error"));
            Assert.Equal("1", refused.Headers.GetValues("Retry-After").Single());
            Assert.True(clock.Elapsed < s_prompt, $"the 503 came {clock.Elapsed.TotalSeconds:0.0} s after A began to stop");
            Assert.Equal(0, await system.ProviderCallsAsync("openai"));

            await system.App.StartResourceAsync("supabase-a");
            // The test's own pooled connections died with the server.
            system.Chat.Clear();
            Assert.True(await Chats.EventuallyAsync(async () => await system.OpenHoldsAsync(user.Id) == 0, seconds: 30),
                "the chat's hold was not released once A was back");
            Assert.Equal(charged, await system.LedgerChargesAsync(user.Id));

            // The key was failed once A was back; a pooled connection A's restart broke may still answer 503 once.
            var retried = await Chats.PostAsync(api, body, "outage");
            for (var attempt = 1; attempt < 20 && retried.Response.StatusCode is HttpStatusCode.ServiceUnavailable
                     or HttpStatusCode.Conflict; attempt++)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
                retried = await Chats.PostAsync(api, body, "outage");
            }

            Assert.Equal(HttpStatusCode.OK, retried.Response.StatusCode);
            Assert.Equal(charged + retried.Body.Int("credits_charged"), await system.LedgerChargesAsync(user.Id));
            Assert.Equal(0, await system.OpenHoldsAsync(user.Id));
        }
        finally
        {
            await system.DisposeAsync();
        }
    }
}
