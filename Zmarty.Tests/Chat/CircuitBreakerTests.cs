using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using System.Globalization;
using System.Net;

using Zmarty.Testing;

namespace Zmarty.Tests.Chat;

/// <summary>
/// The circuit breaker in the running Api: a provider that keeps failing stops being called, and
/// the router goes straight to the fallback. ProviderPipelineTests covers the pipeline's own rules.
/// </summary>
public sealed class CircuitBreakerTests(CircuitBreakerTests.BreakerSystem system)
    : ChatSystemTest, IClassFixture<CircuitBreakerTests.BreakerSystem>
{
    private const int MinimumThroughput = 3;

    protected override ChatSystemFixture Running => system;

    /// <summary>The chat system with a breaker that opens after three failed calls and stays open.</summary>
    public sealed class BreakerSystem : ChatSystemFixture
    {
        protected override void ConfigureCircuitBreaker(IResourceBuilder<ProjectResource> api) => api
            .WithEnvironment("Chat__Router__MinimumThroughput", MinimumThroughput.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment("Chat__Router__FailureRatio", "0.5")
            .WithEnvironment("Chat__Router__BreakDuration", "00:10:00");
    }

    [Fact]
    public async Task Once_grok_has_failed_enough_it_is_skipped_and_gpt_answers_without_calling_it()
    {
        var user = await system.CreateUserAsync("pro");
        await system.SetFaultAsync("xai", new { mode = "fail", status = 503 });
        using var api = system.CreateApiClient(user.Token);

        for (var i = 0; i < MinimumThroughput; i++)
        {
            var (failedOver, reply) = await Chats.PostAsync(api, new { message = $"Attempt {i}" });
            Assert.Equal(HttpStatusCode.OK, failedOver.StatusCode);
            Assert.Equal("gpt", reply.Str("provider"));
        }

        Assert.Equal(MinimumThroughput, await system.ProviderCallsAsync("xai"));

        // Grok is healthy again, but its circuit is open for ten minutes: the router does not try it.
        await system.SetFaultAsync("xai", new { mode = "ok" });
        var (response, answer) = await Chats.PostAsync(api, new { message = "And now?" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("gpt", answer.Str("provider"));
        Assert.Equal(["grok"], answer.GetProperty("metadata").GetProperty("fallback_from").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(MinimumThroughput, await system.ProviderCallsAsync("xai"));
        Assert.Equal(Chats.ExpectedCost("gpt", answer.GetProperty("usage")), answer.Int("credits_charged"));
        Assert.Equal(0, await system.OpenHoldsAsync(user.Id));
    }
}
