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

    /// <summary>The one key the emulated vendors take (the Api's key when none is configured).</summary>
    public const string EmulatorKey = "emulator";

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <summary>Stands for a lone surrogate in a payload until <see cref="Serialize"/> writes it (a private-use character).</summary>
    private const string LoneSurrogateMark = "\uE000";

    /// <summary>How the default encoder writes <see cref="LoneSurrogateMark"/>.</summary>
    private const string LoneSurrogateMarkEscaped = @"\uE000";

    public static IEndpointRouteBuilder MapChatCompletionsApi(this IEndpointRouteBuilder app)
    {
        foreach (var vendor in Vendors)
        {
            app.MapPost($"/{vendor}/v1/chat/completions", (HttpContext context, EmulatorState state) =>
                CompleteAsync(context, vendor, state.For(vendor)));
            app.MapGet($"/{vendor}/v1/models", (HttpContext context) => ListModelsAsync(context, vendor));
            app.MapGet($"/{vendor}/v1/models/{{model}}", (HttpContext context, string model) => GetModelAsync(context, vendor, model));
        }

        return app;
    }

    private static async Task CompleteAsync(HttpContext context, string vendor, EmulatorState.ProviderState state)
    {
        var aborted = context.RequestAborted;
        if (await RefusedKeyAsync(context))
        {
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

        if (!VendorModels.Serves(vendor, request.Model))
        {
            await WriteErrorAsync(context, 404, VendorModels.NotFound(request.Model), aborted);
            return;
        }

        // A reasoning model's thinking counts against max_completion_tokens too, wherever its vendor reports it.
        var reasoning = VendorModels.Reasons(vendor, request.Model) ? ReasoningTokens(request.PromptTokens, request.MaxTokens) : 0;
        var (tokens, truncated) = ReplyWriter.Write(
            request.Model, request.Conversation, request.Question, request.MaxTokens - reasoning, fault.ReplyTokens, fault.ReplyText);
        var reply = new Reply(
            Id: "chatcmpl-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(request.Model + request.Conversation)))[..24],
            Created: DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            request.Model,
            tokens,
            FinishReason: truncated ? "length" : "stop",
            PromptTokens: request.PromptTokens,
            ReasoningTokens: reasoning,
            ReasoningSeparate: VendorModels.ReportsReasoningSeparately(vendor));

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
        var loneSurrogate = fault.Mode == FaultMode.LoneSurrogate;
        var json = Serialize(new
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
                    message = new
                    {
                        role = "assistant",
                        content = string.Concat(reply.Tokens) + (loneSurrogate ? LoneSurrogateMark : ""),
                        refusal = (string?)null,
                    },
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

            if (fault.Mode == FaultMode.LoneSurrogate && i == fault.BreakAfter)
            {
                await WriteChunkAsync(context, reply, new { content = LoneSurrogateMark }, finishReason: null, aborted);
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
        await context.Response.Body.WriteAsync(Serialize(payload), aborted);
        await context.Response.WriteAsync("\n\n", aborted);
        await context.Response.Body.FlushAsync(aborted);
    }

    /// <summary>
    /// The JSON of <paramref name="payload"/>, where <see cref="LoneSurrogateMark"/> becomes the escape of a lone surrogate:
    /// a JSON writer never writes one, so it is put in afterwards.
    /// </summary>
    private static byte[] Serialize(object payload) => Encoding.UTF8.GetBytes(
        JsonSerializer.Serialize(payload, s_json).Replace(LoneSurrogateMarkEscaped, @"\ud800", StringComparison.Ordinal));

    /// <summary>How long a reasoning model thinks: longer for a longer prompt, as real ones do, at most half the limit.</summary>
    private static int ReasoningTokens(int promptTokens, int? maxTokens) =>
        Math.Min(16 + (promptTokens / 4), (maxTokens ?? int.MaxValue) / 2);

    /// <summary>
    /// The key check every vendor makes: a bearer key is required, and only the emulators' key is valid (the Api
    /// sends it when no real key is configured), so a configured key that is wrong here is refused as the vendor would.
    /// </summary>
    private static async Task<bool> RefusedKeyAsync(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            await WriteErrorAsync(context, 401, "Missing bearer API key.", context.RequestAborted);
            return true;
        }

        if (authorization["Bearer ".Length..] != EmulatorKey)
        {
            await WriteErrorAsync(context, 401, "Incorrect API key provided.", context.RequestAborted);
            return true;
        }

        return false;
    }

    private static async Task ListModelsAsync(HttpContext context, string vendor)
    {
        if (!await RefusedKeyAsync(context))
        {
            await context.Response.WriteAsJsonAsync(new { @object = "list", data = VendorModels.Of(vendor).Select(m => Model(vendor, m)) });
        }
    }

    private static async Task GetModelAsync(HttpContext context, string vendor, string model)
    {
        if (await RefusedKeyAsync(context))
        {
            return;
        }

        if (!VendorModels.Serves(vendor, model))
        {
            await WriteErrorAsync(context, 404, VendorModels.NotFound(model), context.RequestAborted);
            return;
        }

        await context.Response.WriteAsJsonAsync(Model(vendor, model));
    }

    private static object Model(string vendor, string id) => new { id, @object = "model", created = 1_735_689_600, owned_by = vendor };

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
            code = status switch
            {
                429 => "rate_limit_exceeded",
                404 => "model_not_found",
                401 => "invalid_api_key",
                _ => null,
            },
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

    /// <summary>
    /// A generated reply. Its usage reports reasoning in <c>completion_tokens_details.reasoning_tokens</c>: xAI counts
    /// them outside <c>completion_tokens</c> (and in the total), OpenAI inside.
    /// </summary>
    private sealed record Reply(
        string Id, long Created, string Model, IReadOnlyList<string> Tokens, string FinishReason, int PromptTokens,
        int ReasoningTokens, bool ReasoningSeparate)
    {
        public object Usage
        {
            get
            {
                var completion = ReasoningSeparate ? Tokens.Count : Tokens.Count + ReasoningTokens;
                return new
                {
                    prompt_tokens = PromptTokens,
                    completion_tokens = completion,
                    total_tokens = PromptTokens + Tokens.Count + ReasoningTokens,
                    completion_tokens_details = new { reasoning_tokens = ReasoningTokens },
                };
            }
        }
    }
}
