using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Zmarty.Api.Auth;
using Zmarty.Api.Chat.Router;
using Zmarty.Api.Errors;
using Zmarty.Api.Limits;
using Zmarty.Api.Telemetry;

namespace Zmarty.Api.Chat;

/// <summary>
/// <c>POST /chat</c> (docs/domain.md §6): JSON, or SSE (<c>start</c>, <c>token</c>…, <c>done</c>) when <c>stream</c> is true.
/// </summary>
public static class ChatApi
{
    public const string IdempotencyHeader = "Idempotency-Key";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static IEndpointRouteBuilder MapChatApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/chat", HandleAsync)
            .RequireAuthorization()
            .WithName("Chat")
            .WithSummary("Ask the assistant; JSON, or Server-Sent Events when stream is true.")
            .Accepts<ChatRequestDocument>("application/json")
            .Produces<ChatResponse>(StatusCodes.Status200OK, "application/json", "text/event-stream")
            .WithMetadata(new ChatStreamDocument())
            .ProducesErrors(
                StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status402PaymentRequired,
                StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status410Gone,
                StatusCodes.Status413RequestEntityTooLarge, StatusCodes.Status422UnprocessableEntity, StatusCodes.Status429TooManyRequests,
                StatusCodes.Status502BadGateway, StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task HandleAsync(HttpContext http, ChatService chat, IOptions<ChatOptions> options)
    {
        var aborted = http.RequestAborted;
        var body = await ReadBodyAsync(http.Request, options.Value.MaxBodyBytes, aborted);
        if (body is null)
        {
            await ApiErrors.Problem(StatusCodes.Status413RequestEntityTooLarge, ApiErrors.MessageTooLong,
                $"The body is larger than {options.Value.MaxBodyBytes} bytes.").ExecuteAsync(http);
            return;
        }

        var (request, error) = ChatRequestParser.Parse(body, options.Value.Providers.Keys);
        if (request is null)
        {
            await ApiErrors.Problem(StatusCodes.Status400BadRequest, error!.Error, error.Message).ExecuteAsync(http);
            return;
        }

        string? key = http.Request.Headers[IdempotencyHeader];
        if (key is not null && (key.Length is 0 or > ChatIdempotency.MaxKeyLength || key.Any(c => c is < '!' or > '~')))
        {
            await ApiErrors.BadRequest($"{IdempotencyHeader} must be 1 to {ChatIdempotency.MaxKeyLength} visible ASCII characters.")
                .ExecuteAsync(http);
            return;
        }

        // A new conversation's id is ours to pick, so the stream's start event can name it before A has the row.
        var conversation = request.ConversationId ?? Guid.NewGuid();
        var stream = request.Stream ? new SseReplyStream(http.Response, conversation) : null;
        var call = new ChatCall(
            http.User.UserId(), request, key, ChatIdempotency.Hash(body), RequestTiming.Of(http), stream,
            rate => SetRateHeaders(http.Response, rate), conversation);
        ChatOutcome outcome;
        try
        {
            outcome = await chat.HandleAsync(call, aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return;
        }

        switch (outcome)
        {
            case ChatOutcome.Refused refused:
                await refused.Error.ExecuteAsync(http);
                break;
            case ChatOutcome.Answered answered when aborted.IsCancellationRequested:
                // Charged for what was generated; there is nobody to tell.
                break;
            case ChatOutcome.Answered { StreamStarted: false } answered when stream is not null:
                // A replay: the stored reply, streamed as one piece, in the conversation it was added to.
                await stream.StartAsync(answered.Response.Provider, answered.Response.ConversationId, aborted);
                await stream.TokenAsync(answered.Response.Text, aborted);
                await stream.DoneAsync(answered.Response, aborted);
                break;
            case ChatOutcome.Answered answered when stream is not null:
                if (answered.StreamCut is { } cut)
                {
                    await stream.ErrorAsync(cut.Error, cut.Message, aborted);
                }

                await stream.DoneAsync(answered.Response, aborted);
                break;
            case ChatOutcome.Answered answered:
                await TypedResults.Json(answered.Response, Json).ExecuteAsync(http);
                break;
        }
    }

    /// <summary>The body, or null when it is larger than <paramref name="limit"/> (read no further than that).</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        var reader = request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken);
            if (read.Buffer.Length > limit)
            {
                reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                return null;
            }

            if (read.IsCompleted)
            {
                var body = read.Buffer.ToArray();
                reader.AdvanceTo(read.Buffer.End);
                return body;
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    private static void SetRateHeaders(HttpResponse response, RateDecision rate)
    {
        response.Headers["X-RateLimit-Limit"] = rate.Limit.ToString(CultureInfo.InvariantCulture);
        response.Headers["X-RateLimit-Remaining"] = rate.Remaining.ToString(CultureInfo.InvariantCulture);
        response.Headers["X-RateLimit-Reset"] = rate.ResetAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        if (!rate.Allowed)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling((rate.ResetAt - DateTimeOffset.UtcNow).TotalSeconds))
                .ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The request body as documented in OpenAPI (the endpoint reads it itself, to answer every mistake precisely).</summary>
    public sealed record ChatRequestDocument(
        string Message, string? Mode, bool? Stream, ChatContextDocument? Context, string? Provider, Guid? ConversationId);

    public sealed record ChatContextDocument(bool? IncludeSignals, bool? IncludeWinRates, IReadOnlyList<string>? Symbols);

    /// <summary>Server-Sent Events in the contract's shape: <c>data: {json}</c> lines, flushed as they are written.</summary>
    private sealed class SseReplyStream(HttpResponse response, Guid conversation) : IReplyStream
    {
        public Task StartAsync(string provider, CancellationToken cancellationToken) =>
            StartAsync(provider, conversation, cancellationToken);

        public async Task StartAsync(string provider, Guid conversationId, CancellationToken cancellationToken)
        {
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no";
            await WriteAsync(new ChatStartEvent(provider, conversationId), cancellationToken);
        }

        public Task TokenAsync(string content, CancellationToken cancellationToken) =>
            WriteAsync(new ChatTokenEvent(content), cancellationToken);

        public Task ErrorAsync(string error, string message, CancellationToken cancellationToken) =>
            WriteAsync(new ChatErrorEvent(error, message), cancellationToken);

        public Task DoneAsync(ChatResponse reply, CancellationToken cancellationToken) =>
            WriteAsync(
                new ChatDoneEvent(
                    reply.Provider, reply.Usage, reply.CreditsCharged, reply.CreditsRemaining, reply.AudioUrl, reply.Metadata,
                    reply.ConversationId),
                cancellationToken);

        private async Task WriteAsync(ChatStreamEvent payload, CancellationToken cancellationToken)
        {
            var writer = response.BodyWriter;
            writer.Write("data: "u8);
            writer.Write(JsonSerializer.SerializeToUtf8Bytes(payload, Json));
            writer.Write("\n\n"u8);
            await writer.FlushAsync(cancellationToken);
        }
    }
}
