using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using Zmarty.Webhooks;

namespace Zmarty.Api.Webhooks;

/// <summary>The reply to an accepted delivery (docs/domain.md §6).</summary>
public sealed record WebhookReply(
    [property: JsonPropertyName("success")] bool Success,
    [property: JsonPropertyName("operation")] string Operation,
    [property: JsonPropertyName("symbol")] string Symbol,
    [property: JsonPropertyName("user_id")] Guid UserId,
    [property: JsonPropertyName("timestamp")] DateTimeOffset Timestamp);

/// <summary>The reply to an accepted batch: how many of its events changed B (the rest were replays or older).</summary>
public sealed record WebhookBatchReply(
    [property: JsonPropertyName("success")] bool Success,
    [property: JsonPropertyName("events")] int Events,
    [property: JsonPropertyName("applied")] int Applied,
    [property: JsonPropertyName("timestamp")] DateTimeOffset Timestamp);

/// <summary>Why a delivery was refused, and the status that says so.</summary>
public sealed record WebhookRejection(int Status, string Title, string Detail);

/// <summary>
/// <c>POST /hooks/watchers-upsert</c>: checks a relay delivery (size, Standard Webhooks signature
/// under the current or previous secret, timestamp window), reads its change or batch of changes and
/// applies them to B, all or none, within the time budget. A redelivery or an older change is
/// acknowledged and changes nothing.
/// </summary>
public sealed partial class WebhookReceiver
{
    private readonly WatcherStore _store;
    private readonly WebhookOptions _options;
    private readonly IReadOnlyList<byte[]> _keys;
    private readonly TimeProvider _clock;
    private readonly ILogger<WebhookReceiver> _logger;
    private readonly Counter<long> _received;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _apply;
    private readonly SampledRefusals _refusals;

    public WebhookReceiver(WatcherStore store, IOptions<WebhookOptions> options, TimeProvider clock, IMeterFactory meters, ILogger<WebhookReceiver> logger)
    {
        _store = store;
        _options = options.Value;
        _keys = [.. new[] { _options.Secret, _options.PreviousSecret }
            .Select(secret => StandardWebhooks.TryParseSecret(secret, out var key) ? key : null)
            .OfType<byte[]>()];
        _clock = clock;
        _logger = logger;
        _refusals = new SampledRefusals(clock, _options.RefusalLogInterval);
        var meter = meters.Create(MeterName);
        _received = meter.CreateCounter<long>("zmarty.webhooks.received", "{delivery}",
            "Deliveries by outcome (applied, unchanged, rejected, over_budget, unavailable) and, for refusals, reason.");
        _duration = meter.CreateHistogram<double>("zmarty.webhooks.duration", "s", "From the request's start to the reply.");
        _apply = meter.CreateHistogram<double>(
            "zmarty.webhooks.apply.duration", "s", "A delivery's writes in B: connection, statements, commit.");
    }

    public const string MeterName = "Zmarty.Webhooks";

    public async Task<IResult> ReceiveAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        budget.CancelAfter(_options.Budget);
        var (outcome, result) = await HandleAsync(context.Request, budget.Token, context.RequestAborted);
        _received.Add(1, new KeyValuePair<string, object?>("outcome", outcome),
            new KeyValuePair<string, object?>("reason", (result as ProblemHttpResult)?.ProblemDetails.Title));
        _duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));
        return result;
    }

    private async Task<(string Outcome, IResult Result)> HandleAsync(HttpRequest request, CancellationToken budget, CancellationToken aborted)
    {
        var id = request.Headers[StandardWebhooks.IdHeader].ToString();
        var timestampText = request.Headers[StandardWebhooks.TimestampHeader].ToString();
        var signature = request.Headers[StandardWebhooks.SignatureHeader].ToString();
        if (id.Length == 0 || timestampText.Length == 0 || signature.Length == 0)
        {
            return Rejected(StatusCodes.Status401Unauthorized, "Missing signature",
                $"A delivery needs the {StandardWebhooks.IdHeader}, {StandardWebhooks.TimestampHeader} and {StandardWebhooks.SignatureHeader} headers.");
        }

        byte[]? body;
        try
        {
            body = await ReadBodyAsync(request, budget);
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested && !aborted.IsCancellationRequested)
        {
            // The sender is proved by nothing yet: a refusal like any other (sampled, with no id), and a 408, the sender's
            // slowness, not a 503.
            return Rejected(StatusCodes.Status408RequestTimeout, "Body too slow",
                $"The body did not arrive within {_options.Budget.TotalMilliseconds:0} ms; nothing was read or written.");
        }

        try
        {
            if (body is null)
            {
                return Rejected(StatusCodes.Status400BadRequest, "Body too large", $"The body is over {_options.MaxBodyBytes} bytes.");
            }

            if (!long.TryParse(timestampText, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp))
            {
                // The header is the sender's bytes, up to Kestrel's limit: it is echoed neither here nor in the log.
                return Rejected(
                    StatusCodes.Status401Unauthorized, "Bad timestamp", $"{StandardWebhooks.TimestampHeader} must be unix seconds.");
            }

            var skew = _clock.GetUtcNow().ToUnixTimeSeconds() - timestamp;
            if (Math.Abs(skew) > _options.TimestampTolerance.TotalSeconds)
            {
                var when = skew > 0 ? $"{skew} s old" : $"{-skew} s in the future";
                return Rejected(StatusCodes.Status401Unauthorized, "Timestamp outside the window",
                    $"{StandardWebhooks.TimestampHeader} is {when}; at most {_options.TimestampTolerance.TotalSeconds:0} s either way is accepted.");
            }

            if (!StandardWebhooks.Verify(_keys, id, timestamp, body, signature))
            {
                return Rejected(StatusCodes.Status401Unauthorized, "Bad signature", $"{StandardWebhooks.SignatureHeader} matches no configured secret.");
            }

            if (SymbolDelivery.Parse(body, _options.MaxEventsPerDelivery, out var error) is not { } delivery)
            {
                return Rejected(StatusCodes.Status400BadRequest, "Invalid payload", error);
            }

            var applying = Stopwatch.GetTimestamp();
            var results = await _store.ApplyAsync(delivery.Changes, ApplyMode.Delivery, budget);
            var applyTime = Stopwatch.GetElapsedTime(applying);
            _apply.Record(applyTime.TotalSeconds);
            var applied = results.Count(r => r.Applied);
            if (delivery.IsBatch)
            {
                Log.BatchApplied(_logger, id, delivery.Changes.Count, applied, results.Count(r => r.IngestionEnqueued),
                    applyTime.TotalMilliseconds);
                var batchReply = new WebhookBatchReply(true, delivery.Changes.Count, applied, _clock.GetUtcNow());
                return (applied > 0 ? "applied" : "unchanged", TypedResults.Ok(batchReply));
            }

            // Every delivery at Debug (thousands a second at peak); one that changed nothing at Information.
            var (change, result) = (delivery.Changes[0], results[0]);
            var (subject, version) = (change.Subject, change.Version);
            if (result.Applied)
            {
                Log.Applied(_logger, id, change.Operation, subject.UserId, subject.Symbol, subject.Timeframe, version,
                    result.IngestionEnqueued, applyTime.TotalMilliseconds);
            }
            else
            {
                Log.Unchanged(_logger, id, change.Operation, subject.UserId, subject.Symbol, subject.Timeframe, version);
            }

            var reply = new WebhookReply(true, change.Operation, change.Subject.Symbol, change.Subject.UserId, _clock.GetUtcNow());
            return (result.Applied ? "applied" : "unchanged", TypedResults.Ok(reply));
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested && !aborted.IsCancellationRequested)
        {
            Log.OverBudget(_logger, Shorten(id), (long)_options.Budget.TotalMilliseconds);
            return ("over_budget", Unavailable($"The change could not be applied within {_options.Budget.TotalMilliseconds:0} ms; nothing was written. Retry."));
        }
        catch (NpgsqlException ex) when (ex.IsTransient)
        {
            Log.TradingUnavailable(_logger, Shorten(id), ex.Message);
            return ("unavailable", Unavailable("Supabase B is unavailable; nothing was written. Retry."));
        }
    }

    /// <summary>
    /// A refusal of input that proved nothing (no valid signature yet): counted by reason in
    /// <c>zmarty.webhooks.received</c>, logged sampled, with the fixed reason only.
    /// </summary>
    private (string, IResult) Rejected(int status, string title, string detail)
    {
        if (_refusals.ShouldLog(title, out var suppressed))
        {
            Log.Rejected(_logger, status, title, suppressed);
        }

        return ("rejected", TypedResults.Problem(detail, statusCode: status, title: title));
    }

    /// <summary>A webhook id for a log line: it may not have been verified yet, so never more than a real one's length.</summary>
    private static string Shorten(string id) => id.Length <= 64 ? id : id[..64] + "…";

    private static IResult Unavailable(string detail) =>
        new RetryAfter(TypedResults.Problem(detail, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Try again"));

    /// <summary>
    /// The raw body (the signature covers its exact bytes), or null when it is over the limit. The budget ends a read by
    /// cancelling the pending read, not through the read's token: a read cancelled that way leaves the body reader in a
    /// state Kestrel can still drain, so the sender gets its 408 and the log no draining error.
    /// </summary>
    /// <exception cref="OperationCanceledException">The budget ran out before the body had arrived.</exception>
    private async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken budget)
    {
        if (request.ContentLength > _options.MaxBodyBytes)
        {
            return null;
        }

        var reader = request.BodyReader;
        await using var stop = budget.Register(reader.CancelPendingRead);
        using var body = new MemoryStream();
        while (true)
        {
            var result = await reader.ReadAsync(CancellationToken.None);
            if (result.IsCanceled)
            {
                reader.AdvanceTo(result.Buffer.Start);
                throw new OperationCanceledException(budget);
            }

            if (body.Length + result.Buffer.Length > _options.MaxBodyBytes)
            {
                reader.AdvanceTo(result.Buffer.End);
                return null;
            }

            foreach (var segment in result.Buffer)
            {
                body.Write(segment.Span);
            }

            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return body.ToArray();
            }
        }
    }

    /// <summary>A 503 that tells the sender when to come back.</summary>
    private sealed class RetryAfter(IResult inner) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = "1";
            return inner.ExecuteAsync(httpContext);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(LogLevel.Debug,
            "Webhook {webhook_id}: {operation} of {user_id} {symbol} {timeframe} at version {version} applied in {apply_ms:F2} ms, " +
            "ingestion enqueued {enqueued}")]
        public static partial void Applied(
            ILogger logger, string webhook_id, string operation, Guid user_id, string symbol, string timeframe, long version, bool enqueued,
            double apply_ms);

        [LoggerMessage(LogLevel.Debug,
            "Webhook {webhook_id}: batch of {events} applied in {apply_ms:F2} ms, {applied} changed B, ingestion enqueued {enqueued}")]
        public static partial void BatchApplied(ILogger logger, string webhook_id, int events, int applied, int enqueued, double apply_ms);

        [LoggerMessage(LogLevel.Information,
            "Webhook {webhook_id}: {operation} of {user_id} {symbol} {timeframe} at version {version} changed nothing (a replay, or older than B's row)")]
        public static partial void Unchanged(ILogger logger, string webhook_id, string operation, Guid user_id, string symbol, string timeframe, long version);

        [LoggerMessage(LogLevel.Warning, "Webhook refused with {status}: {title} ({suppressed} more of these since the last such line)")]
        public static partial void Rejected(ILogger logger, int status, string title, long suppressed);

        [LoggerMessage(LogLevel.Warning, "Webhook {webhook_id} not applied within its {budget_ms} ms budget; answered 503")]
        public static partial void OverBudget(ILogger logger, string webhook_id, long budget_ms);

        [LoggerMessage(LogLevel.Warning, "Webhook {webhook_id} not applied, Supabase B unavailable: {error}; answered 503")]
        public static partial void TradingUnavailable(ILogger logger, string webhook_id, string error);
    }
}
