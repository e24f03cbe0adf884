using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Zmarty.Emulators.Control;

namespace Zmarty.Emulators.Llm;

/// <summary>
/// OpenAI chat completions (<c>POST /{vendor}/v1/chat/completions</c>) for the three vendors the
/// model router uses, JSON and SSE. Streams end as the OpenAI SDK expects (docs/domain.md §7): a chunk
/// with the finish reason, then, when <c>stream_options.include_usage</c> is set, a chunk whose
/// <c>choices</c> is empty and whose <c>usage</c> has the counts, then <c>data: [DONE]</c>.
/// </summary>
public static class ChatCompletionsApi
{
    /// <summary>The emulated vendors: xAI (Grok), OpenAI (GPT) and Anthropic's OpenAI-compatible endpoint (Claude).</summary>
    public static readonly IReadOnlyList<string> Vendors = ["xai", "openai", "anthropic"];

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapChatCompletionsApi(this IEndpointRouteBuilder app)
    {
        foreach (var vendor in Vendors)
        {
            app.MapPost($"/{vendor}/v1/chat/completions", (HttpContext context, EmulatorState state) =>
                CompleteAsync(context, vendor, state.For(vendor)));
        }

        return app;
    }

    private static async Task CompleteAsync(HttpContext context, string vendor, EmulatorState.ProviderState state)
    {
        var aborted = context.RequestAborted;
        if (!context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.Ordinal))
        {
            await WriteErrorAsync(context, 401, "Missing bearer API key.", aborted);
            return;
        }

        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: aborted);
        }
        catch (JsonException)
        {
            body = null;
        }

        var request = body is null ? null : Parse(body);
        var fault = state.Begin(body);
        if (request is null)
        {
            await WriteErrorAsync(context, 400, "The body must be a chat completions request with model and messages.", aborted);
            return;
        }

        if (await FaultGate.TryFailAsync(context, fault, ErrorBody, aborted))
        {
            return;
        }

        var (tokens, truncated) = ReplyWriter.Write(request.Model, request.Conversation, request.Question, request.MaxTokens, fault.ReplyTokens);
        var reply = new Reply(
            Id: "chatcmpl-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(request.Model + request.Conversation)))[..24],
            Created: DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            request.Model,
            tokens,
            FinishReason: truncated ? "length" : "stop",
            PromptTokens: request.PromptTokens);

        if (request.Stream)
        {
            await StreamAsync(context, reply, request.IncludeUsage, fault, aborted);
        }
        else
        {
            await RespondAsync(context, reply, fault, aborted);
        }
    }

    private static async Task RespondAsync(HttpContext context, Reply reply, Fault fault, CancellationToken aborted)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new
        {
            id = reply.Id,
            @object = "chat.completion",
            created = reply.Created,
            model = reply.Model,
            choices = new[]
            {
                new
                {
                    index = 0,
                    message = new { role = "assistant", content = string.Concat(reply.Tokens), refusal = (string?)null },
                    logprobs = (object?)null,
                    finish_reason = reply.FinishReason,
                },
            },
            usage = fault.OmitUsage ? null : reply.Usage,
        });
        context.Response.ContentType = "application/json";
        if (fault.Mode == FaultMode.BreakStream)
        {
            // Half a body, then the connection drops: what a provider dying mid-answer looks like.
            await context.Response.Body.WriteAsync(json.AsMemory(0, json.Length / 2), aborted);
            await FaultGate.BreakConnectionAsync(context);
            return;
        }

        context.Response.ContentLength = json.Length;
        await context.Response.Body.WriteAsync(json, aborted);
    }

    private static async Task StreamAsync(HttpContext context, Reply reply, bool includeUsage, Fault fault, CancellationToken aborted)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";

        await WriteChunkAsync(context, reply, new { role = "assistant", content = "" }, finishReason: null, aborted);
        for (var i = 0; i < reply.Tokens.Count; i++)
        {
            if (fault.Mode == FaultMode.BreakStream && i == fault.BreakAfter)
            {
                await FaultGate.BreakConnectionAsync(context);
                return;
            }

            if (fault.TokenLatencyMs > 0)
            {
                await Task.Delay(fault.TokenLatencyMs, aborted);
            }

            await WriteChunkAsync(context, reply, new { content = reply.Tokens[i] }, finishReason: null, aborted);
        }

        await WriteChunkAsync(context, reply, new { }, reply.FinishReason, aborted);
        if (includeUsage && !fault.OmitUsage)
        {
            await WriteEventAsync(context, new
            {
                id = reply.Id,
                @object = "chat.completion.chunk",
                created = reply.Created,
                model = reply.Model,
                choices = Array.Empty<object>(),
                usage = reply.Usage,
            }, aborted);
        }

        await context.Response.WriteAsync("data: [DONE]\n\n", aborted);
        await context.Response.Body.FlushAsync(aborted);
    }

    private static Task WriteChunkAsync(HttpContext context, Reply reply, object delta, string? finishReason, CancellationToken aborted) =>
        WriteEventAsync(context, new
        {
            id = reply.Id,
            @object = "chat.completion.chunk",
            created = reply.Created,
            model = reply.Model,
            choices = new[] { new { index = 0, delta, logprobs = (object?)null, finish_reason = finishReason } },
        }, aborted);

    private static async Task WriteEventAsync(HttpContext context, object payload, CancellationToken aborted)
    {
        await context.Response.WriteAsync("data: ", aborted);
        await JsonSerializer.SerializeAsync(context.Response.Body, payload, s_json, aborted);
        await context.Response.WriteAsync("\n\n", aborted);
        await context.Response.Body.FlushAsync(aborted);
    }

    private static Task WriteErrorAsync(HttpContext context, int status, string message, CancellationToken aborted)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(ErrorBody(status, message), aborted);
    }

    /// <summary>OpenAI's error shape, which xAI and Anthropic's compatible endpoint also use.</summary>
    private static object ErrorBody(int status, string message) => new
    {
        error = new
        {
            message,
            type = status switch
            {
                400 or 401 or 404 or 413 or 422 => "invalid_request_error",
                403 => "permission_error",
                429 => "rate_limit_error",
                _ => "server_error",
            },
            param = (string?)null,
            code = status == 429 ? "rate_limit_exceeded" : null,
        },
    };

    private static CompletionRequest? Parse(JsonNode body)
    {
        if (body is not JsonObject root
            || root["model"]?.GetValueKind() != JsonValueKind.String
            || root["messages"] is not JsonArray { Count: > 0 } messages)
        {
            return null;
        }

        var conversation = new StringBuilder();
        var promptTokens = LlmTokens.ReplyPriming;
        var question = "";
        foreach (var message in messages)
        {
            var role = message?["role"]?.GetValue<string>() ?? "";
            var content = ContentText(message?["content"]);
            conversation.Append(role).Append(": ").Append(content).Append('\n');
            promptTokens += LlmTokens.PerMessage + LlmTokens.Count(content);
            if (role == "user")
            {
                question = content;
            }
        }

        return new CompletionRequest(
            root["model"]!.GetValue<string>(),
            conversation.ToString(),
            question,
            promptTokens,
            Stream: root["stream"]?.GetValueKind() == JsonValueKind.True,
            IncludeUsage: root["stream_options"]?["include_usage"]?.GetValueKind() == JsonValueKind.True,
            MaxTokens: (root["max_completion_tokens"] ?? root["max_tokens"])?.GetValue<int>());
    }

    /// <summary>A message's content is a string or an array of parts; only text parts count here.</summary>
    private static string ContentText(JsonNode? content) => content switch
    {
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        JsonArray parts => string.Concat(parts.Select(p => p?["text"]?.GetValue<string>() ?? "")),
        _ => "",
    };

    private sealed record CompletionRequest(
        string Model, string Conversation, string Question, int PromptTokens, bool Stream, bool IncludeUsage, int? MaxTokens);

    private sealed record Reply(string Id, long Created, string Model, IReadOnlyList<string> Tokens, string FinishReason, int PromptTokens)
    {
        public object Usage => new
        {
            prompt_tokens = PromptTokens,
            completion_tokens = Tokens.Count,
            total_tokens = PromptTokens + Tokens.Count,
        };
    }
}
