using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OpenAI.Chat;
using Polly.CircuitBreaker;
using Zmarty.Api.Chat.Context;
using Zmarty.Api.Chat.Router;
using Zmarty.Api.Conversations;
using Zmarty.Api.Credits;
using Zmarty.Api.Errors;
using Zmarty.Api.Limits;
using Zmarty.Api.Telemetry;
using Zmarty.Api.Voice;

namespace Zmarty.Api.Chat;

/// <summary>
/// One chat request as the endpoint hands it over. <paramref name="Conversation"/>: the one asked for, or the id the
/// endpoint picked for the conversation this question starts.
/// </summary>
public sealed record ChatCall(
    Guid User, ChatRequest Request, string? IdempotencyKey, string BodyHash, RequestTiming Timing, IReplyStream? Stream,
    Action<RateDecision> OnRateDecided, Guid Conversation);

/// <summary>An SSE <c>error</c> event: a stream that ended before the provider finished it.</summary>
public sealed record StreamCut(string Error, string Message);

public abstract record ChatOutcome
{
    /// <summary>
    /// The reply (or, after a replay, the first one). <see cref="StreamStarted"/>: tokens were already streamed;
    /// <see cref="StreamCut"/>: why the stream ended early, for the client's <c>error</c> event.
    /// </summary>
    public sealed record Answered(ChatResponse Response, bool StreamStarted, StreamCut? StreamCut) : ChatOutcome;

    /// <summary>Refused or failed before anything was charged.</summary>
    public sealed record Refused(ProblemHttpResult Error) : ChatOutcome;
}

/// <summary>
/// POST /chat from validated input to the reply. A is asked twice: once before the provider (profile,
/// Idempotency-Key claim and the first provider's hold, <see cref="ChatLedger.BeginAsync"/>) and once
/// after (the charge and the key's reply). Each provider attempt holds its worst-case price first and
/// settles its real usage after (or releases the hold when it produced nothing), so a request is
/// charged exactly once and a fallback is only tried when its worst case fits the tier's price cap and
/// the user's balance.
/// </summary>
public sealed partial class ChatService(
    UserContextStore context,
    KnownProfiles profiles,
    ChatLedger chatLedger,
    CreditLedger ledger,
    CreditPricing pricing,
    ProviderClients providers,
    UserLimiter limiter,
    IOptions<TierOptions> tiers,
    IOptions<ChatOptions> chatOptions,
    IOptions<CreditsOptions> credits,
    ElevenLabsClient voice,
    AudioStore audio,
    AudioLinks links,
    TimeProvider time,
    ILogger<ChatService> logger) : IAsyncDisposable
{
    /// <summary>How many times a chat is decided before it gives up on a profile that keeps changing under it.</summary>
    private const int MaxRounds = 3;

    private readonly RouterOptions _router = chatOptions.Value.Router;

    private readonly ChatCleanup _cleanup = new(credits.Value.SettleRetryWindow, time, logger);

    /// <summary>What a chat was decided with: its limits, the bound on its input tokens, and its first hold.</summary>
    private sealed record ChatPlan(TierLimits Limits, int InputUpperBound, ChatHold Hold);

    public async Task<ChatOutcome> HandleAsync(ChatCall call, CancellationToken aborted)
    {
        // A new run id for every request: its credit request ids are its own even when it retries a key.
        var requestBase = call.IdempotencyKey is { } idempotencyKey
            ? $"chat:{call.User:N}:{idempotencyKey}:{Guid.NewGuid():N}"
            : $"chat:{Guid.NewGuid():N}";
        var key = call.IdempotencyKey is { } k ? new ChatKey(k, call.BodyHash, requestBase) : null;

        // Decided on the profile the user's last chat found, when there is one: A holds only if that is still
        // the profile, and a refusal decided on it is decided again on A's, so a stale one costs a round trip.
        var profile = profiles.Find(call.User);
        var fresh = profile is null;
        profile ??= await context.ProfileAsync(call.User, aborted);
        RateLease? lease = null;
        try
        {
            for (var round = 1; ; round++)
            {
                if (profile is null)
                {
                    return Refuse(StatusCodes.Status403Forbidden, ApiErrors.Forbidden, "This user has no profile in Supabase A.");
                }

                if (fresh)
                {
                    profiles.Remember(call.User, profile);
                }

                var (plan, refusal) = Plan(call.Request, profile, requestBase);
                RateDecision? rate = null;
                if (plan is not null)
                {
                    rate = limiter.TryAcquire(call.User, plan.Limits);
                    call.OnRateDecided(rate);
                    refusal = rate.Allowed ? null : Refuse(StatusCodes.Status429TooManyRequests, ApiErrors.RateLimitExceeded,
                        rate.Refusal!, new() { ["limit"] = rate.Limit, ["retry_after"] = rate.RetryAfterSeconds(time.GetUtcNow()) });
                }

                if (refusal is not null)
                {
                    if (fresh)
                    {
                        return refusal;
                    }

                    (profile, fresh) = (await context.ProfileAsync(call.User, aborted), true);
                    continue;
                }

                lease = rate!.Lease;
                switch (await BeginAsync(call.User, plan!.Hold, key, aborted))
                {
                    case ChatStart.Held held:
                        profiles.Remember(call.User, held.Profile);
                        return await RunHeldAsync(call, plan, held, requestBase, key, aborted);
                    case ChatStart.NoConversation:
                        return Refuse(StatusCodes.Status404NotFound, ApiErrors.NotFound,
                            $"You have no conversation with id {call.Request.ConversationId}; nothing was charged.");
                    case ChatStart.Changed changed when round < MaxRounds:
                        lease!.Refund();
                        (profile, fresh) = (changed.Profile, true);
                        continue;
                    case ChatStart.Changed:
                        return Refuse(StatusCodes.Status503ServiceUnavailable, ApiErrors.ServiceUnavailable,
                            "Your profile kept changing while this request started; nothing was charged. Try again.");
                    case ChatStart.Insufficient insufficient:
                        var worstCase = plan.Hold.Amount;
                        return Refuse(StatusCodes.Status402PaymentRequired, ApiErrors.InsufficientCredits,
                            $"This request may cost up to {worstCase} credits with {plan.Hold.Provider}; " +
                            $"{insufficient.Available} are available.",
                            new() { ["balance"] = insufficient.Balance, ["required"] = worstCase });
                    case ChatStart.Replay replay:
                        return new ChatOutcome.Answered(
                            replay.Response with { Metadata = replay.Response.Metadata with { Replayed = true } }, false, null);
                    case ChatStart.NotKept:
                        return Refuse(StatusCodes.Status410Gone, ApiErrors.ReplyNotKept,
                            "The request with this Idempotency-Key was answered and charged, but its reply could not be kept " +
                            "for a replay; the charge is in your ledger. Send a new request with a new key to ask again.");
                    case ChatStart.InProgress:
                        return Refuse(StatusCodes.Status409Conflict, ApiErrors.Conflict,
                            "A request with this Idempotency-Key is still running.");
                    default:
                        return Refuse(StatusCodes.Status422UnprocessableEntity, ApiErrors.InvalidRequest,
                            "This Idempotency-Key was used with a different body.");
                }
            }
        }
        finally
        {
            lease?.Dispose();
        }
    }

    /// <summary>The checks that need the profile, and the first provider's worst-case price; or why the chat is refused.</summary>
    private (ChatPlan? Plan, ChatOutcome.Refused? Refusal) Plan(ChatRequest request, UserProfile profile, string requestBase)
    {
        var limits = tiers.Value.For(profile.Tier, profile.MaxTokens, profile.RequestsPerMinute);
        var messageTokens = TokenEstimate.Typical(request.Message);
        if (messageTokens > limits.MaxTokens)
        {
            return (null, Refuse(StatusCodes.Status413RequestEntityTooLarge, ApiErrors.MessageTooLong,
                $"The message is about {messageTokens} tokens; the {profile.Tier} tier allows {limits.MaxTokens}.",
                new() { ["limit"] = limits.MaxTokens }));
        }

        if (request.Voice && !limits.Voice)
        {
            return (null, Refuse(StatusCodes.Status403Forbidden, ApiErrors.Forbidden,
                $"Voice replies are not part of the {profile.Tier} tier."));
        }

        var unknown = request.Symbols?.Where(s => profile.Symbols.All(w => w.Symbol != s)).ToList() ?? [];
        if (unknown.Count > 0)
        {
            return (null, Refuse(StatusCodes.Status400BadRequest, ApiErrors.InvalidRequest,
                $"context.symbols names symbols you do not watch: {string.Join(", ", unknown)}."));
        }

        var first = Candidates(request.Provider).First();
        var selected = Selected(profile, request).Count;
        var promptLines = request.IncludeSignals || request.IncludeWinRates ? selected : 0;
        // A continued conversation may bring its whole budget of history (A trims it to that, counting as we do), and the
        // hold covers it before A has said how much there is; a new one brings none.
        var historyTokens = request.ConversationId is null ? 0 : chatOptions.Value.HistoryTokensFor(profile.Tier);
        var inputUpperBound = TokenEstimate.UpperBound(SystemPrompt.MaxBytes(promptLines), request.Message) + historyTokens;
        var worstCase = pricing.ForChat(first, inputUpperBound, limits.MaxTokens, request.Voice);
        return (new ChatPlan(limits, inputUpperBound,
            new ChatHold(profile, request.Symbols, selected, first, worstCase, $"{requestBase}:{first}", request.ConversationId,
                historyTokens)), null);
    }

    private static IReadOnlyList<WatchedSymbol> Selected(UserProfile profile, ChatRequest request) =>
        request.Symbols is { } asked ? [.. profile.Symbols.Where(w => asked.Contains(w.Symbol))] : profile.Symbols;

    /// <summary>
    /// When A's answer is lost (the connection broke, the client left), its claim and hold may have been
    /// written: the hold is freed and the key's run failed, each only if it is this request's.
    /// </summary>
    private async Task<ChatStart> BeginAsync(Guid user, ChatHold hold, ChatKey? key, CancellationToken aborted)
    {
        try
        {
            return await chatLedger.BeginAsync(user, hold, key, aborted);
        }
        catch (Exception ex) when (TransientRetry.IsTransient(ex) || (ex is OperationCanceledException && aborted.IsCancellationRequested))
        {
            await ReleaseAsync(hold.RequestId);
            await FailKeyAsync(user, key);
            throw;
        }
    }

    /// <summary>Runs a held chat; a run that ends without a charge fails its key, so a retry with it runs again.</summary>
    private async Task<ChatOutcome> RunHeldAsync(
        ChatCall call, ChatPlan plan, ChatStart.Held held, string requestBase, ChatKey? key, CancellationToken aborted)
    {
        ChatOutcome outcome;
        try
        {
            outcome = await RunAsync(call, plan, held.Profile, held.History, requestBase, key, aborted);
        }
        catch (Exception)
        {
            // Every hold of this run is released (or will expire) and nothing was charged.
            await FailKeyAsync(call.User, key);
            throw;
        }

        if (outcome is ChatOutcome.Refused)
        {
            await FailKeyAsync(call.User, key);
        }

        return outcome;
    }

    /// <summary>
    /// The key's run failed without a charge, so a retry with it runs again; while A is unreachable, in the background
    /// (<see cref="ChatCleanup"/>), and a retry meanwhile finds the key still running (409).
    /// </summary>
    private Task FailKeyAsync(Guid user, ChatKey? key) => key is null
        ? Task.CompletedTask
        : _cleanup.RunAsync($"failing of Idempotency-Key run {key.RunId}", () => chatLedger.FailAsync(user, key));

    private async Task<ChatOutcome> RunAsync(
        ChatCall call, ChatPlan plan, UserProfile profile, IReadOnlyList<HistoryMessage> history, string requestBase, ChatKey? key,
        CancellationToken aborted)
    {
        var request = call.Request;
        IReadOnlyList<SymbolSnapshot> snapshots;
        try
        {
            snapshots = request.IncludeSignals || request.IncludeWinRates
                ? await context.SnapshotsAsync(call.User, Selected(profile, request), aborted)
                : [];
        }
        catch (Exception)
        {
            await ReleaseAsync(plan.Hold.RequestId);
            throw;
        }

        // The context block is always today's; the history is only what the user saw, never an earlier context block.
        var system = SystemPrompt.Build(snapshots, request.IncludeSignals, request.IncludeWinRates, time.GetUtcNow());
        var turns = Turns(history);
        ChatMessage[] messages =
        [
            new SystemChatMessage(system),
            .. turns.Select(ChatMessage (m) => m.Role == "user" ? new UserChatMessage(m.Content) : new AssistantChatMessage(m.Content)),
            new UserChatMessage(request.Message),
        ];
        var maxTokens = plan.Limits.MaxTokens;
        var available = profile.Available + plan.Hold.Amount;
        var passedOver = new List<string>();
        // Why each provider gave no answer, for the client; and whether any of them may answer a retry.
        var reasons = new List<string>();
        var refused = false;
        var faulted = false;
        var passing = false;

        foreach (var (name, index) in Candidates(request.Provider).Select((name, index) => (name, index)))
        {
            var requestId = $"{requestBase}:{name}";
            if (index > 0)
            {
                var worstCase = pricing.ForChat(name, plan.InputUpperBound, maxTokens, request.Voice);
                if (worstCase > plan.Limits.FallbackPriceCap || worstCase > available)
                {
                    LogSkipped(logger, name, worstCase, plan.Limits.FallbackPriceCap, available);
                    passedOver.Add(name);
                    reasons.Add($"{name} did not fit the price cap and balance");
                    continue;
                }

                CreditResult hold;
                try
                {
                    hold = await ledger.HoldAsync(call.User, worstCase, requestId, new { provider = name, kind = "chat" }, aborted);
                }
                catch (Exception ex) when (TransientRetry.IsTransient(ex)
                    || (ex is OperationCanceledException && aborted.IsCancellationRequested))
                {
                    // The hold may have been written before the connection broke or the client left: free it, then fail.
                    await ReleaseAsync(requestId);
                    throw;
                }
                catch (CreditException ex) when (ex.Failure == CreditFailure.Insufficient)
                {
                    passedOver.Add(name);
                    reasons.Add($"{name} did not fit the price cap and balance");
                    continue;
                }

                available = hold.Available + worstCase;
            }

            var provider = providers[name];
            var model = new ModelCall(provider, _router.Timeout, chatOptions.Value.MaxReplyDuration);
            ModelReply reply;
            try
            {
                reply = call.Stream is { } stream
                    ? await model.StreamAsync(messages, maxTokens, stream, EstimateInput, aborted)
                    : await model.CompleteAsync(messages, maxTokens, EstimateInput, aborted);
            }
            catch (Exception ex)
            {
                // Nothing was delivered: whatever went wrong, the hold goes before anything else happens.
                call.Timing.AddProvider(model.ProviderTime);
                await ReleaseAsync(requestId);
                if (aborted.IsCancellationRequested)
                {
                    throw;
                }

                if (ProviderFailure.IsProviderFault(ex) || ex is BrokenCircuitException)
                {
                    LogProviderFailed(logger, name, ProviderFailure.ErrorType(ex), ex);
                    reasons.Add($"{name} {ProviderFailure.Describe(ex)}");
                    faulted = true;
                    passing |= ProviderFailure.Passes(ex);
                }
                else if (ProviderFailure.RefusedRequest(ex) is { } refusal)
                {
                    LogRequestRefused(logger, name, refusal);
                    reasons.Add($"{name}: {refusal}");
                    refused = true;
                }
                else
                {
                    throw;
                }

                passedOver.Add(name);
                continue;
            }

            call.Timing.AddProvider(model.ProviderTime);
            return await SettleAsync(call, name, requestId, key, reply, passedOver, aborted);
        }

        var why = string.Join("; ", reasons);
        var extra = new Dictionary<string, object?> { ["providers"] = passedOver };
        if (refused && !faulted)
        {
            return Refuse(StatusCodes.Status400BadRequest, ApiErrors.InvalidRequest,
                $"The providers refused this request ({why}); nothing was charged.", extra);
        }

        // A retry cannot mend what every provider tried answered (a refused key, a retired model, an unpaid account): not a 503
        // a client would retry, but the providers' error.
        if (faulted && !passing)
        {
            return Refuse(StatusCodes.Status502BadGateway, ApiErrors.ProviderError,
                $"No provider could answer ({why}); nothing was charged.", extra);
        }

        return Refuse(StatusCodes.Status503ServiceUnavailable, ApiErrors.AllProvidersFailed,
            $"No provider could answer ({why}); nothing was charged.", extra);

        // Only when the provider never reported usage: every message as sent, counted by the tokenizer.
        int EstimateInput() => 3 + ConversationText.PerMessage * messages.Length
            + ConversationText.Tokens(system) + turns.Sum(m => ConversationText.Tokens(m.Content))
            + ConversationText.Tokens(request.Message);
    }

    /// <summary>The history as a model expects it: starting with a question (a trim may have cut one off its answer).</summary>
    private static IReadOnlyList<HistoryMessage> Turns(IReadOnlyList<HistoryMessage> history) =>
        [.. history.SkipWhile(m => m.Role != "user")];

    /// <summary>
    /// Frees a hold whose attempt produced nothing; while A is unreachable, in the background (<see cref="ChatCleanup"/>),
    /// so that the next provider's hold, or the client's 503, does not wait for A. A hold that was never written (its
    /// creation failed) is nothing to free.
    /// </summary>
    private Task ReleaseAsync(string requestId) => _cleanup.RunAsync($"release of hold {requestId}", async () =>
    {
        try
        {
            await ledger.ReleaseAsync(requestId, CancellationToken.None);
        }
        catch (CreditException ex) when (ex.Failure == CreditFailure.UnknownUserOrRequest)
        {
            // No such hold: nothing to free.
        }
    });

    /// <summary>
    /// Charges a reply the client has (all or part of it): from here on nothing may skip the settle,
    /// neither a client that hangs up during the voice step nor a failing voice step, which makes the
    /// reply one without voice.
    /// </summary>
    private async Task<ChatOutcome> SettleAsync(
        ChatCall call, string provider, string requestId, ChatKey? key, ModelReply reply, List<string> passedOver,
        CancellationToken aborted)
    {
        var finished = reply.FinishReason is not ("error" or "cancelled" or "deadline");
        Guid? audioId = call.Request.Voice && finished && !aborted.IsCancellationRequested
            ? await SpeakAsync(call.User, requestId, reply.Text, aborted)
            : null;
        var audioUrl = audioId is { } id ? links.Create(id) : null;

        var cost = pricing.ForChat(provider, reply.InputTokens, reply.OutputTokens, voice: audioId is not null);
        // The key keeps this reply, with the charge's figures filled in by A; its timings stop before the charge.
        var kept = Response(call, provider, requestId, reply, audioUrl, passedOver, charged: 0, remaining: 0);
        var question = ConversationText.Storable(call.Request.Message);
        var answer = ConversationText.Storable(reply.Text);
        var turn = new ConversationTurn(
            call.Conversation, ConversationText.Title(question), question, ConversationText.Tokens(question), answer,
            ConversationText.Tokens(answer), Partial: !finished);
        var settled = await SettleWithRetriesAsync(requestId, cost, provider, key, reply, passedOver, audioId, kept, turn);
        var response = Response(call, provider, requestId, reply, audioUrl, passedOver, settled.Amount, settled.Available);
        var cut = reply.FinishReason switch
        {
            "error" => new StreamCut("provider_stream_broken",
                "The provider's stream broke after some tokens; you were charged for what was delivered."),
            "deadline" => new StreamCut("reply_deadline", string.Create(CultureInfo.InvariantCulture,
                $"The reply reached its limit of {chatOptions.Value.MaxReplyDuration.TotalSeconds:0} s and was cut; ")
                + "you were charged for what was delivered."),
            _ => null,
        };
        return new ChatOutcome.Answered(response, call.Stream is not null, cut);
    }

    private ChatResponse Response(
        ChatCall call, string provider, string requestId, ModelReply reply, string? audioUrl, List<string> passedOver,
        int charged, long remaining) => Response(call.Timing, provider, requestId, reply, audioUrl, passedOver, charged, remaining,
        call.Conversation);

    private ChatResponse Response(
        RequestTiming timing, string provider, string requestId, ModelReply reply, string? audioUrl, List<string> passedOver,
        int charged, long remaining, Guid conversation) => new(
        provider,
        reply.Text,
        new ChatUsage(reply.InputTokens, reply.OutputTokens, reply.InputTokens + reply.OutputTokens, reply.ReasoningTokens),
        charged,
        remaining,
        audioUrl,
        new ChatMetadata(
            Math.Round(timing.Elapsed.TotalMilliseconds, 3),
            Math.Round(timing.Overhead.TotalMilliseconds, 3),
            Math.Round(timing.Provider.TotalMilliseconds, 3),
            reply.ModelVersion,
            time.GetUtcNow(),
            requestId,
            reply.FinishReason,
            passedOver,
            UsageEstimated: !reply.UsageReported,
            Replayed: false),
        conversation);

    /// <summary>
    /// Settles even when the client has gone (what was generated is charged once; the request id makes a
    /// repeat harmless), retrying while A is briefly unreachable (a restart) for up to
    /// <see cref="CreditsOptions.SettleRetryWindow"/>. Only an outage longer than that leaves the hold to
    /// expire: the user is then not charged at all, never twice.
    /// </summary>
    private async Task<CreditResult> SettleWithRetriesAsync(
        string requestId, int cost, string provider, ChatKey? key, ModelReply reply, List<string> passedOver, Guid? audioId,
        ChatResponse kept, ConversationTurn turn)
    {
        var units = new { input_tokens = reply.InputTokens, output_tokens = reply.OutputTokens, reasoning_tokens = reply.ReasoningTokens };
        var metadata = new
        {
            model = reply.ModelVersion,
            request_id = requestId,
            finish_reason = reply.FinishReason,
            fallback_from = passedOver,
            usage_estimated = !reply.UsageReported,
            audio_id = audioId,
        };
        try
        {
            return await TransientRetry.RunAsync(
                () => chatLedger.SettleAsync(requestId, cost, provider, units, metadata, key, kept, turn),
                credits.Value.SettleRetryWindow, time, (attempt, ex) => LogSettleRetry(logger, requestId, attempt, ex.Message));
        }
        catch (Exception ex) when (TransientRetry.IsTransient(ex))
        {
            LogSettleFailed(logger, requestId, cost, ex);
            throw;
        }
    }

    /// <summary>
    /// The clip's id, or null when there is none to charge for: the client left (nobody would hear it),
    /// or ElevenLabs or saving the clip failed. Voice is an extra on a reply already delivered, so no
    /// failure of it may escape and stop the charge.
    /// </summary>
    private async Task<Guid?> SpeakAsync(Guid user, string requestId, string text, CancellationToken aborted)
    {
        try
        {
            var clip = await voice.SpeakAsync(text, aborted);
            if (aborted.IsCancellationRequested)
            {
                return null;
            }

            return await audio.SaveAsync(user, requestId, clip, CancellationToken.None);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            LogVoiceAbandoned(logger, requestId);
            return null;
        }
        catch (Exception ex)
        {
            LogVoiceFailed(logger, ex);
            return null;
        }
    }

    /// <summary>A graceful stop waits for the clean-ups still retrying in the background.</summary>
    public ValueTask DisposeAsync() => _cleanup.DisposeAsync();

    private IEnumerable<string> Candidates(string? asked)
    {
        var first = asked ?? _router.Default;
        return new[] { first }.Concat(_router.Order.Where(p => !p.Equals(first, StringComparison.OrdinalIgnoreCase)))
            .Where(p => chatOptions.Value.Providers.ContainsKey(p));
    }

    private static ChatOutcome.Refused Refuse(int status, string error, string message, Dictionary<string, object?>? extra = null) =>
        new(ApiErrors.Problem(status, error, message, extra));

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Fallback to {Provider} skipped: worst case {WorstCase} credits, price cap {PriceCap}, available {Available}")]
    private static partial void LogSkipped(ILogger logger, string provider, int worstCase, int priceCap, long available);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider {Provider} failed ({ErrorType}); trying the next one")]
    private static partial void LogProviderFailed(ILogger logger, string provider, string errorType, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Text-to-speech failed; the reply goes out without audio")]
    private static partial void LogVoiceFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Voice for {RequestId} dropped: the client left; charged as a reply without voice")]
    private static partial void LogVoiceAbandoned(ILogger logger, string requestId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Provider {Provider} refused the request: {Refusal}")]
    private static partial void LogRequestRefused(ILogger logger, string provider, string refusal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Settling {RequestId} failed (attempt {Attempt}: {Error}); retrying")]
    private static partial void LogSettleRetry(ILogger logger, string requestId, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Settling {RequestId} ({Cost} credits) failed for good: the reply was delivered and its hold will expire uncharged")]
    private static partial void LogSettleFailed(ILogger logger, string requestId, int cost, Exception exception);
}
