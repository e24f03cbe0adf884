using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.Options;
using Zmarty.Api.Chat;
using Zmarty.Api.Chat.Context;
using Zmarty.Api.Chat.Router;
using Zmarty.Api.Credits;
using Zmarty.Api.Limits;
using Zmarty.Api.Voice;

namespace Zmarty.Tests.Chat;

/// <summary>The pure parts of the chat: limits, token estimates, the system prompt.</summary>
public sealed class ChatUnitTests
{
    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static readonly TierLimits s_limits = new() { RequestsPerMinute = 3, Concurrent = 2, MaxTokens = 1024 };

    [Fact]
    public void The_rate_limit_counts_a_minute_window_and_resets_at_its_end()
    {
        var clock = new ManualClock(DateTimeOffset.FromUnixTimeSeconds(60 * 1000 + 10));
        var limiter = new UserLimiter(clock);
        var user = Guid.NewGuid();

        var decisions = Enumerable.Range(0, 4).Select(_ =>
        {
            var decision = limiter.TryAcquire(user, s_limits);
            decision.Lease?.Dispose();
            return decision;
        }).ToList();

        Assert.Equal([true, true, true, false], decisions.Select(d => d.Allowed));
        Assert.Equal([2, 1, 0, 0], decisions.Select(d => d.Remaining));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(60 * 1001), decisions[3].ResetAt);
        Assert.Equal(50, decisions[3].RetryAfterSeconds(clock.Now));
        Assert.True(limiter.TryAcquire(Guid.NewGuid(), s_limits).Allowed);

        clock.Now = DateTimeOffset.FromUnixTimeSeconds(60 * 1001);
        Assert.True(limiter.TryAcquire(user, s_limits).Allowed);
    }

    [Fact]
    public void Concurrent_chats_are_capped_until_a_lease_is_returned()
    {
        var limiter = new UserLimiter(new ManualClock(DateTimeOffset.UnixEpoch));
        var user = Guid.NewGuid();
        var limits = new TierLimits { RequestsPerMinute = 100, Concurrent = 2 };

        var first = limiter.TryAcquire(user, limits);
        var second = limiter.TryAcquire(user, limits);
        var third = limiter.TryAcquire(user, limits);
        first.Lease!.Dispose();
        first.Lease.Dispose();
        var fourth = limiter.TryAcquire(user, limits);
        var fifth = limiter.TryAcquire(user, limits);

        Assert.True(second.Allowed);
        Assert.False(third.Allowed);
        Assert.Contains("2 chats at once", third.Refusal, StringComparison.Ordinal);
        Assert.True(fourth.Allowed);
        Assert.False(fifth.Allowed);
    }

    [Fact]
    public void Past_ten_thousand_users_the_idle_ones_are_swept_once_a_window_not_on_every_request()
    {
        var clock = new ManualClock(DateTimeOffset.FromUnixTimeSeconds(60 * 5000));
        var limiter = new UserLimiter(clock);
        var limits = new TierLimits { RequestsPerMinute = 10, Concurrent = 2 };

        for (var i = 0; i < UserLimiter.SweepAbove + 5000; i++)
        {
            limiter.TryAcquire(Guid.NewGuid(), limits).Lease?.Dispose();
        }

        Assert.Equal(1, limiter.Sweeps);
        Assert.Equal(UserLimiter.SweepAbove + 5000, limiter.Tracked);

        clock.Now = clock.Now.AddMinutes(1);
        limiter.TryAcquire(Guid.NewGuid(), limits).Lease?.Dispose();
        limiter.TryAcquire(Guid.NewGuid(), limits).Lease?.Dispose();

        Assert.Equal(2, limiter.Sweeps);
        Assert.Equal(2, limiter.Tracked);
    }

    [Fact]
    public void A_profile_can_raise_its_tiers_limits_but_not_lower_them()
    {
        var tiers = new TierOptions();

        Assert.Equal(4096, tiers.For("pro", 1024, 10).MaxTokens);
        Assert.Equal(100, tiers.For("pro", 1024, 10).RequestsPerMinute);
        Assert.Equal(2048, tiers.For("free", 2048, 10).MaxTokens);
        Assert.Equal(1024, tiers.For("unknown-tier", 1, 1).MaxTokens);
    }

    [Theory]
    [InlineData("hello", 4 + 5 + 3, 4 + 2 + 3)]
    [InlineData("héllo wörld", 4 + 13 + 3, 4 + 4 + 3)]
    public void The_held_token_count_is_never_below_the_typical_one(string message, int upper, int typical)
    {
        Assert.Equal(upper, TokenEstimate.UpperBound([message]));
        Assert.Equal(typical, TokenEstimate.Typical([message]));
    }

    [Fact]
    public void The_system_prompt_has_one_line_per_symbol_with_what_b_knows_and_says_what_is_missing()
    {
        var at = new DateTimeOffset(2026, 11, 24, 6, 0, 0, TimeSpan.Zero);
        SymbolSnapshot[] snapshots =
        [
            new("BTC/USDT", "1h", "long", 0.72m, 0.65m, 64000m, 62720m, [65280m, 67200m], at, 0.58m, 41, 30, 0.42m),
            new("ETH/USDT", "4h", null, null, null, null, null, null, null, null, null, null, null),
        ];

        var prompt = SystemPrompt.Build(snapshots, includeSignals: true, includeWinRates: true, at);
        var withoutSignals = SystemPrompt.Build(snapshots, includeSignals: false, includeWinRates: true, at);

        var lines = prompt.Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.Equal(
            "BTC/USDT 1h: signal long score 0.72 conf 0.65 entry 64000 stop 62720 tp 65280/67200 at 11-24 06:00; " +
            "risk 0.42; win rate 30d 0.58 (n=41)",
            lines[2]);
        Assert.Equal("ETH/USDT 4h: no signal; risk n/a; win rate n/a", lines[3]);
        Assert.DoesNotContain("signal", withoutSignals.Split('\n')[2], StringComparison.Ordinal);
        Assert.EndsWith("watches no symbols yet.", SystemPrompt.Build([], true, true, at), StringComparison.Ordinal);
    }

    [Fact]
    public void The_system_prompt_stays_within_the_bound_its_symbol_count_gives_the_hold_without_cutting_a_line()
    {
        var at = new DateTimeOffset(2026, 11, 24, 6, 0, 0, TimeSpan.Zero);
        var widest = new SymbolSnapshot(
            $"{new string('A', 20)}/{new string('B', 20)}", "15m", "short", 0.99m, 0.99m, decimal.MinValue, -1e-28m,
            [.. Enumerable.Repeat(decimal.MinValue, 50)], at, 0.99m, int.MaxValue, int.MaxValue, decimal.MaxValue);

        foreach (var count in new[] { 0, 1, 7, 60 })
        {
            var snapshots = Enumerable.Repeat(widest, count).ToList();
            var prompt = SystemPrompt.Build(snapshots, includeSignals: true, includeWinRates: true, at);

            Assert.True(System.Text.Encoding.UTF8.GetByteCount(prompt) <= SystemPrompt.MaxBytes(count),
                $"{count} symbols: {prompt.Length} bytes, bound {SystemPrompt.MaxBytes(count)}");
            Assert.All(prompt.Split('\n').Skip(2), line => Assert.EndsWith($"(n={int.MaxValue})", line, StringComparison.Ordinal));
        }

        Assert.Equal(TokenEstimate.UpperBound([SystemPrompt.Persona + " x", "hi"]) - 2,
            TokenEstimate.UpperBound(System.Text.Encoding.UTF8.GetByteCount(SystemPrompt.Persona), "hi"));
    }

    [Theory]
    [InlineData(401, true)]
    [InlineData(403, true)]
    [InlineData(404, true)]
    [InlineData(429, true)]
    [InlineData(503, true)]
    [InlineData(400, false)]
    [InlineData(422, false)]
    public void Our_key_or_model_being_refused_is_a_provider_fault_that_counts_toward_its_circuit(int status, bool fault)
    {
        var exception = new ClientResultException(new StatusResponse(status, """{"error":{"message":"context too long"}}"""));

        Assert.Equal(fault, ProviderFailure.IsProviderFault(exception));
        Assert.Equal(fault ? null : "context too long", ProviderFailure.RefusedRequest(exception));
    }

    [Fact]
    public void Every_status_a_provider_may_answer_is_a_refusal_or_a_fault_and_only_the_passing_ones_are_worth_a_retry()
    {
        for (var status = 100; status < 600; status++)
        {
            var exception = new ClientResultException(new StatusResponse(status, "{}"));
            var refused = ProviderFailure.RefusedRequest(exception) is not null;

            Assert.True(refused != ProviderFailure.IsProviderFault(exception), $"HTTP {status} is both or neither");
            Assert.Equal(status is 400 or 413 or 422, refused);
            Assert.Equal(status is 408 or 429 or >= 500, ProviderFailure.Passes(exception));
            Assert.Equal($"answered HTTP {status}", ProviderFailure.Describe(exception));
        }
    }

    [Fact]
    public void An_answer_the_sdk_cannot_read_is_a_provider_fault_a_retry_will_not_mend()
    {
        var unreadable = new ProviderAnswerException(new InvalidOperationException("missing low surrogate"));

        Assert.True(ProviderAnswerException.IsUnreadable(new System.Text.Json.JsonException()));
        Assert.False(ProviderAnswerException.IsUnreadable(new ObjectDisposedException("stream")));
        Assert.True(ProviderFailure.IsProviderFault(unreadable));
        Assert.False(ProviderFailure.Passes(unreadable));
        Assert.Equal("invalid_response", ProviderFailure.ErrorType(unreadable));
    }

    [Fact]
    public void A_reply_that_could_outlive_its_credit_hold_stops_the_start_naming_the_keys()
    {
        static ValidateOptionsResult Validate(TimeSpan holdLifetime) =>
            new ChatOptionsValidator(
                    Options.Create(new CreditsOptions { HoldLifetime = holdLifetime }),
                    Options.Create(new VoiceOptions()),
                    TestEnvironments.Development)
                .Validate(null, new ChatOptions { MaxReplyDuration = TimeSpan.FromMinutes(10) });

        Assert.True(Validate(TimeSpan.FromMinutes(15)).Succeeded);
        var refused = Validate(TimeSpan.FromMinutes(10));
        Assert.True(refused.Failed);
        Assert.Contains("Chat:MaxReplyDuration", refused.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Credits:HoldLifetime", refused.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Outside_development_a_provider_without_a_key_stops_the_start_instead_of_reaching_for_the_emulators()
    {
        var chat = new ChatOptions();
        chat.Providers["gpt"].ApiKey = "sk-test";
        var validator = new ChatOptionsValidator(
            Options.Create(new CreditsOptions()), Options.Create(new VoiceOptions()), TestEnvironments.Production);

        var result = validator.Validate(null, chat);

        Assert.True(result.Failed);
        Assert.Contains("Chat:Providers:grok:ApiKey", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Chat:Providers:claude:ApiKey", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("Chat:Providers:gpt:", result.FailureMessage, StringComparison.Ordinal);
    }

    /// <summary>A provider's HTTP answer as the OpenAI SDK's exception carries it.</summary>
    private sealed class StatusResponse(int status, string body) : PipelineResponse
    {
        private readonly BinaryData _content = BinaryData.FromString(body);

        public override int Status => status;

        public override string ReasonPhrase => "";

        public override Stream? ContentStream { get; set; }

        public override BinaryData Content => _content;

        protected override PipelineResponseHeaders HeadersCore => throw new NotSupportedException();

        public override BinaryData BufferContent(CancellationToken cancellationToken = default) => _content;

        public override ValueTask<BinaryData> BufferContentAsync(CancellationToken cancellationToken = default) => new(_content);

        public override void Dispose()
        {
        }
    }
}
