using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OpenAI.Chat;
using Polly.CircuitBreaker;
using Zmarty.Api.Chat.Context;
using Zmarty.Api.Chat.Router;
using Zmarty.Api.Credits;
using Zmarty.Api.Errors;
using Zmarty.Api.Limits;
using Zmarty.Api.Telemetry;
using Zmarty.Api.Voice;

namespace Zmarty.Api.Chat;

/// <summary>One chat request as the endpoint hands it over.</summary>
public sealed record ChatCall(
    Guid User, ChatRequest Request, string? IdempotencyKey, string BodyHash, RequestTiming Timing, IReplyStream? Stream,
    Action<RateDecision> OnRateDecided);

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
/// POST /chat from validated input to the reply: profile and limits from A, context from B, then the
/// model router. Each provider attempt holds its worst-case price first and settles its real usage
/// after (or releases the hold when it produced nothing), so a request is charged exactly once and a
/// fallback is only tried when its worst case fits the tier's price cap and the user's balance.
/// </summary>
public sealed partial class ChatService(
    UserContextStore context,
    CreditLedger ledger,
    CreditPricing pricing,
    ProviderClients providers,
    ChatIdempotency idempotency,
    UserLimiter limiter,
    IOptions<TierOptions> tiers,
    IOptions<ChatOptions> chatOptions,
    IOptions<CreditsOptions> credits,
    ElevenLabsClient voice,
    AudioStore audio,
    AudioLinks links,
    TimeProvider time,
    ILogger<ChatService> logger)
{
    private readonly RouterOptions _router = chatOptions.Value.Router;

    public async Task<ChatOutcome> HandleAsync(ChatCall call, CancellationToken aborted)
    {
        var request = call.Request;
        var profile = await context.ProfileAsync(call.User, aborted);
        if (profile is null)
        {
            return Refuse(StatusCodes.Status403Forbidden, ApiErrors.Forbidden, "This user has no profile in Supabase A.");
        }

        var limits = tiers.Value.For(profile.Tier, profile.MaxTokens, profile.RequestsPerMinute);
        var messageTokens = TokenEstimate.Typical(request.Message);
        if (messageTokens > limits.MaxTokens)
        {
            return Refuse(StatusCodes.Status413RequestEntityTooLarge, ApiErrors.MessageTooLong,
                $"The message is about {messageTokens} tokens; the {profile.Tier} tier allows {limits.MaxTokens}.",
                new() { ["limit"] = limits.MaxTokens });
        }

        if (request.Voice && !limits.Voice)
        {
            return Refuse(StatusCodes.Status403Forbidden, ApiErrors.Forbidden, $"Voice replies are not part of the {profile.Tier} tier.");
        }

        var selected = profile.Symbols;
        if (request.Symbols is { } asked)
        {
            var unknown = asked.Where(s => profile.Symbols.All(w => w.Symbol != s)).ToList();
            if (unknown.Count > 0)
            {
                return Refuse(StatusCodes.Status400BadRequest, ApiErrors.InvalidRequest,
                    $"context.symbols names symbols you do not watch: {string.Join(", ", unknown)}.");
            }

            selected = [.. profile.Symbols.Where(w => asked.Contains(w.Symbol))];
        }

        var rate = limiter.TryAcquire(call.User, limits);
        call.OnRateDecided(rate);
        if (!rate.Allowed)
        {
            return Refuse(StatusCodes.Status429TooManyRequests, ApiErrors.RateLimitExceeded, rate.Refusal!,
                new() { ["limit"] = rate.Limit, ["retry_after"] = rate.RetryAfterSeconds(time.GetUtcNow()) });
        }

        using var lease = rate.Lease;
        var requestBase = $"chat:{Guid.NewGuid():N}";
        if (call.IdempotencyKey is { } key)
        {
            switch (await idempotency.ClaimAsync(call.User, key, call.BodyHash, aborted))
            {
                case IdempotencyClaim.Replay replay:
                    return new ChatOutcome.Answered(replay.Response with { Metadata = replay.Response.Metadata with { Replayed = true } }, false, null);
                case IdempotencyClaim.InProgress:
                    return Refuse(StatusCodes.Status409Conflict, ApiErrors.Conflict, "A request with this Idempotency-Key is still running.");
                case IdempotencyClaim.DifferentBody:
                    return Refuse(StatusCodes.Status422UnprocessableEntity, ApiErrors.InvalidRequest,
                        "This Idempotency-Key was used with a different body.");
                case IdempotencyClaim.Run run:
                    requestBase = $"chat:{call.User:N}:{key}:{run.Attempt}";
                    break;
            }
        }

        ChatOutcome outcome;
        try
        {
            outcome = await RunAsync(call, profile, limits, selected, requestBase, aborted);
        }
        catch (Exception) when (call.IdempotencyKey is { } left)
        {
            // Every hold of this run is released (or will expire) and nothing was charged: the key may run again.
            await RecordAsync(call.User, left, null);
            throw;
        }

        if (call.IdempotencyKey is { } done)
        {
            await RecordAsync(call.User, done, outcome as ChatOutcome.Answered);
        }

        return outcome;
    }

    /// <summary>
    /// Records the key's result: the reply (a retry gets it, uncharged) or a failure (a retry runs again).
    /// A that stays unreachable must not turn a settled reply into an error, so this only logs; the key
    /// then stays pending until a hold's lifetime has passed.
    /// </summary>
    private async Task RecordAsync(Guid user, string key, ChatOutcome.Answered? answered)
    {
        try
        {
            await TransientRetry.RunAsync(
                async () =>
                {
                    await (answered is not null
                        ? idempotency.CompleteAsync(user, key, answered.Response)
                        : idempotency.FailAsync(user, key));
                    return true;
                },
                credits.Value.SettleRetryWindow, time, (_, _) => { });
        }
        catch (Exception ex) when (TransientRetry.IsTransient(ex))
        {
            LogIdempotencyNotRecorded(logger, ex);
        }
    }

    private async Task<ChatOutcome> RunAsync(
        ChatCall call, UserProfile profile, TierLimits limits, IReadOnlyList<WatchedSymbol> selected, string requestBase, CancellationToken aborted)
    {
        var request = call.Request;
        var snapshots = request.IncludeSignals || request.IncludeWinRates
            ? await context.SnapshotsAsync(call.User, selected, aborted)
            : [];
        var system = SystemPrompt.Build(snapshots, request.IncludeSignals, request.IncludeWinRates, time.GetUtcNow());
        ChatMessage[] messages = [new SystemChatMessage(system), new UserChatMessage(request.Message)];
        var inputUpperBound = TokenEstimate.UpperBound([system, request.Message]);
        var maxTokens = limits.MaxTokens;
        var available = profile.Available;
        var passedOver = new List<string>();
        var refusals = new List<string>();
        var faulted = false;

        foreach (var (name, index) in Candidates(request.Provider).Select((name, index) => (name, index)))
        {
            var worstCase = pricing.ForChat(name, inputUpperBound, maxTokens, request.Voice);
            if (index > 0 && (worstCase > limits.FallbackPriceCap || worstCase > available))
            {
                LogSkipped(logger, name, worstCase, limits.FallbackPriceCap, available);
                passedOver.Add(name);
                continue;
            }

            var requestId = $"{requestBase}:{name}";
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
                if (index == 0)
                {
                    return Refuse(StatusCodes.Status402PaymentRequired, ApiErrors.InsufficientCredits,
                        $"This request may cost up to {worstCase} credits with {name}; {ex.Balance ?? available} are available.",
                        new() { ["balance"] = ex.Balance ?? available, ["required"] = worstCase });
                }

                passedOver.Add(name);
                continue;
            }

            available = hold.Available + worstCase;
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
                    faulted = true;
                }
                else if (ProviderFailure.RefusedRequest(ex) is { } refusal)
                {
                    LogRequestRefused(logger, name, refusal);
                    refusals.Add($"{name}: {refusal}");
                }
                else
                {
                    throw;
                }

                passedOver.Add(name);
                continue;
            }

            call.Timing.AddProvider(model.ProviderTime);
            return await SettleAsync(call, name, requestId, reply, passedOver, aborted);
        }

        if (refusals.Count > 0 && !faulted)
        {
            return Refuse(StatusCodes.Status400BadRequest, ApiErrors.InvalidRequest,
                $"The providers refused this request ({string.Join("; ", refusals)}); nothing was charged.",
                new() { ["providers"] = passedOver });
        }

        return Refuse(StatusCodes.Status503ServiceUnavailable, ApiErrors.AllProvidersFailed,
            $"No provider could answer ({string.Join(", ", passedOver)} failed or did not fit the price cap and balance); nothing was charged.",
            new() { ["providers"] = passedOver });

        int EstimateInput() => TokenEstimate.Typical([system, request.Message]);
    }

    /// <summary>
    /// Frees a hold whose attempt produced nothing, retrying while A restarts; if A stays unreachable
    /// the hold expires and is released later. A hold that was never written (its creation failed) is
    /// nothing to free.
    /// </summary>
    private async Task ReleaseAsync(string requestId)
    {
        try
        {
            await TransientRetry.RunAsync(
                () => ledger.ReleaseAsync(requestId, CancellationToken.None),
                credits.Value.SettleRetryWindow, time, (attempt, ex) => LogReleaseRetry(logger, requestId, attempt, ex.Message));
        }
        catch (CreditException ex) when (ex.Failure == CreditFailure.UnknownUserOrRequest)
        {
            // No such hold: nothing to free.
        }
        catch (Exception ex) when (TransientRetry.IsTransient(ex))
        {
            LogReleaseFailed(logger, requestId, ex);
        }
    }

    /// <summary>
    /// Charges a reply the client has (all or part of it): from here on nothing may skip the settle,
    /// neither a client that hangs up during the voice step nor a failing voice step, which makes the
    /// reply one without voice.
    /// </summary>
    private async Task<ChatOutcome> SettleAsync(
        ChatCall call, string provider, string requestId, ModelReply reply, List<string> passedOver, CancellationToken aborted)
    {
        var finished = reply.FinishReason is not ("error" or "cancelled" or "deadline");
        Guid? audioId = call.Request.Voice && finished && !aborted.IsCancellationRequested
            ? await SpeakAsync(call.User, requestId, reply.Text, aborted)
            : null;
        var audioUrl = audioId is { } id ? links.Create(id) : null;

        var cost = pricing.ForChat(provider, reply.InputTokens, reply.OutputTokens, voice: audioId is not null);
        var settled = await SettleWithRetriesAsync(requestId, cost, provider, reply, passedOver, audioId);
        var timing = call.Timing;
        var response = new ChatResponse(
            provider,
            reply.Text,
            new ChatUsage(reply.InputTokens, reply.OutputTokens, reply.InputTokens + reply.OutputTokens, reply.ReasoningTokens),
            settled.Amount,
            settled.Available,
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
                Replayed: false));
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

    /// <summary>
    /// Settles even when the client has gone (what was generated is charged once; the request id makes a
    /// repeat harmless), retrying while A is briefly unreachable (a restart) for up to
    /// <see cref="CreditsOptions.SettleRetryWindow"/>. Only an outage longer than that leaves the hold to
    /// expire: the user is then not charged at all, never twice.
    /// </summary>
    private async Task<CreditResult> SettleWithRetriesAsync(
        string requestId, int cost, string provider, ModelReply reply, List<string> passedOver, Guid? audioId)
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
                () => ledger.SettleAsync(requestId, cost, provider, units, "chat", metadata, CancellationToken.None),
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release hold {RequestId}; it is released when it expires")]
    private static partial void LogReleaseFailed(ILogger logger, string requestId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The result of an Idempotency-Key could not be recorded in A; the key stays pending")]
    private static partial void LogIdempotencyNotRecorded(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Releasing {RequestId} failed (attempt {Attempt}: {Error}); retrying")]
    private static partial void LogReleaseRetry(ILogger logger, string requestId, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Settling {RequestId} failed (attempt {Attempt}: {Error}); retrying")]
    private static partial void LogSettleRetry(ILogger logger, string requestId, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Settling {RequestId} ({Cost} credits) failed for good: the reply was delivered and its hold will expire uncharged")]
    private static partial void LogSettleFailed(ILogger logger, string requestId, int cost, Exception exception);
}
