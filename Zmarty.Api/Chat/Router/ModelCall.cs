using System.Diagnostics;
using OpenAI.Chat;
using Polly.CircuitBreaker;
using Zmarty.Api.Telemetry;

namespace Zmarty.Api.Chat.Router;

/// <summary>
/// What a provider produced. <see cref="OutputTokens"/> is what is billed as output, reasoning included;
/// <see cref="ReasoningTokens"/> says how many of them were reasoning. <see cref="UsageReported"/> is false when the
/// counts are our estimate (a stream cut short, or a JSON reply without a <c>usage</c> block).
/// <see cref="FinishReason"/> is the provider's, or ours: <c>error</c> (the stream broke), <c>cancelled</c> (the client
/// left), <c>deadline</c> (the reply reached <see cref="ChatOptions.MaxReplyDuration"/>).
/// </summary>
public sealed record ModelReply(
    string Text, string ModelVersion, int InputTokens, int OutputTokens, string FinishReason, bool UsageReported, int ReasoningTokens = 0);

/// <summary>Receives a streamed reply: <see cref="StartAsync"/> once the first token is in hand, then each piece.</summary>
public interface IReplyStream
{
    Task StartAsync(string provider, CancellationToken cancellationToken);

    Task TokenAsync(string content, CancellationToken cancellationToken);
}

/// <summary>
/// One call to one provider through its Polly pipeline, as an OpenTelemetry GenAI client span
/// (<c>chat {model}</c>: provider, model, tokens, finish reason, error type). A failure before the
/// first token throws, so the router can fall back (an answer the SDK cannot read as a
/// <see cref="ProviderAnswerException"/>); after it, the stream is the caller's and any failure, whatever
/// it is, returns what was produced, marked <see cref="ModelReply.FinishReason"/> <c>error</c>.
/// A stream never runs past <paramref name="maxDuration"/>, however slowly the provider writes or the
/// client reads: the reply's credit hold must still be there when it is settled.
/// </summary>
public sealed class ModelCall(ModelProvider provider, TimeSpan idleTimeout, TimeSpan maxDuration)
{
    private readonly Stopwatch _providerTime = new();

    /// <summary>Time spent waiting on the provider (connect, answer, each streamed piece).</summary>
    public TimeSpan ProviderTime => _providerTime.Elapsed;

    public async Task<ModelReply> CompleteAsync(
        IReadOnlyList<ChatMessage> messages, int maxTokens, Func<int> estimateInput, CancellationToken cancellationToken)
    {
        using var activity = StartSpan(maxTokens);
        try
        {
            _providerTime.Start();
            var (completion, text) = await provider.Pipeline.ExecuteAsync(async token =>
            {
                try
                {
                    ChatCompletion answer = await provider.Client.CompleteChatAsync(messages, Options(maxTokens), token);
                    return (answer, string.Concat(answer.Content.Select(part => part.Text)));
                }
                catch (Exception ex) when (ProviderAnswerException.IsUnreadable(ex))
                {
                    throw new ProviderAnswerException(ex);
                }
            }, cancellationToken);
            _providerTime.Stop();
            var usage = completion.Usage;
            // Without a usage block the reply is priced from estimates, as a stream cut short is: never as 0/0.
            var reply = usage is null
                ? new ModelReply(text, completion.Model ?? provider.Options.Model, estimateInput(), TokenEstimate.Typical(text),
                    FinishReason(completion.FinishReason), UsageReported: false)
                : Reported(text, completion.Model, usage, FinishReason(completion.FinishReason));
            return Record(activity, reply);
        }
        catch (Exception ex) when (Fails(activity, ex))
        {
            throw;
        }
        finally
        {
            _providerTime.Stop();
        }
    }

    public async Task<ModelReply> StreamAsync(
        IReadOnlyList<ChatMessage> messages, int maxTokens, IReplyStream sink, Func<int> estimateInput, CancellationToken cancellationToken)
    {
        using var activity = StartSpan(maxTokens);
        activity?.SetTag("gen_ai.request.stream", true);
        // The stream outlives the Polly callback, so it gets a token of its own: Polly's is pooled
        // and reused once the callback returns.
        using var streamCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var updates = provider.Client.CompleteChatStreamingAsync(messages, Options(maxTokens), streamCancel.Token)
            .GetAsyncEnumerator(streamCancel.Token);
        var text = new System.Text.StringBuilder();
        var pieces = 0;
        string? model = null;
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;

        bool Take(StreamingChatCompletionUpdate update)
        {
            string content;
            try
            {
                model ??= update.Model;
                usage ??= update.Usage;
                finish ??= update.FinishReason;
                content = string.Concat(update.ContentUpdate.Select(part => part.Text));
            }
            catch (Exception ex) when (ProviderAnswerException.IsUnreadable(ex))
            {
                throw new ProviderAnswerException(ex);
            }

            if (content.Length == 0)
            {
                return false;
            }

            text.Append(content);
            pieces++;
            return true;
        }

        try
        {
            string first;
            try
            {
                first = await provider.Pipeline.ExecuteAsync(async token =>
                {
                    while (await NextAsync(updates, streamCancel, token))
                    {
                        if (Take(updates.Current))
                        {
                            return text.ToString();
                        }
                    }

                    throw new ProviderStreamException("The stream ended before its first token.");
                }, cancellationToken);
            }
            catch (Exception ex) when (Fails(activity, ex))
            {
                throw;
            }

            // Cuts the reading of the provider and the writing to the client alike: a client reading at
            // Kestrel's minimum rate cannot keep the stream going either.
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(maxDuration);
            // A client gone before the first token reached it was given nothing: that failure is the caller's
            // to handle (the hold is released), not a reply cut short.
            await sink.StartAsync(provider.Name, deadline.Token);
            await sink.TokenAsync(first, deadline.Token);
            try
            {
                while (await NextAsync(updates, streamCancel, deadline.Token, idleTimeout))
                {
                    var before = text.Length;
                    if (Take(updates.Current))
                    {
                        await sink.TokenAsync(text.ToString(before, text.Length - before), deadline.Token);
                    }
                }
            }
            catch (Exception ex) when (ProviderFailure.IsProviderFault(ex) && !deadline.IsCancellationRequested)
            {
                activity?.SetTag("error.type", ProviderFailure.ErrorType(ex));
                return Record(activity, Partial("error"));
            }
            catch (Exception ex) when (deadline.IsCancellationRequested && ex is OperationCanceledException or IOException)
            {
                var clientLeft = cancellationToken.IsCancellationRequested;
                activity?.SetTag("error.type", clientLeft ? "client_disconnected" : "reply_deadline");
                return Record(activity, Partial(clientLeft ? "cancelled" : "deadline"));
            }
            catch (Exception ex)
            {
                // Tokens were delivered: whatever else broke, what was delivered is charged, so the reply ends here.
                activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
                activity?.SetTag("error.type", ex.GetType().Name);
                activity?.AddException(ex);
                return Record(activity, Partial(
                    !deadline.IsCancellationRequested ? "error" : cancellationToken.IsCancellationRequested ? "cancelled" : "deadline"));
            }

            return usage is null
                ? Record(activity, Partial(finish is null ? "error" : FinishReason(finish)))
                : Record(activity, Reported(text.ToString(), model, usage, FinishReason(finish)));
        }
        finally
        {
            _providerTime.Stop();
            await DisposeQuietlyAsync(updates, streamCancel);
        }

        // Usage never came: input as a typical count of what was sent, output as the pieces received
        // (providers send about one token a piece).
        ModelReply Partial(string reason) =>
            new(text.ToString(), model ?? provider.Options.Model, estimateInput(), pieces, reason, UsageReported: false);
    }

    /// <summary>The reported counts, reasoning billed as output (<see cref="ProviderOptions.ReasoningTokensSeparate"/>).</summary>
    private ModelReply Reported(string text, string? model, ChatTokenUsage usage, string finishReason)
    {
        var reasoning = usage.OutputTokenDetails?.ReasoningTokenCount ?? 0;
        var output = provider.Options.ReasoningTokensSeparate ? usage.OutputTokenCount + reasoning : usage.OutputTokenCount;
        return new ModelReply(
            text, model ?? provider.Options.Model, usage.InputTokenCount, output, finishReason, UsageReported: true, reasoning);
    }

    /// <summary>The next update, counted as provider time, cancelling the HTTP call if it takes too long.</summary>
    private async Task<bool> NextAsync(
        IAsyncEnumerator<StreamingChatCompletionUpdate> updates, CancellationTokenSource streamCancel, CancellationToken token,
        TimeSpan? timeout = null)
    {
        _providerTime.Start();
        var next = updates.MoveNextAsync().AsTask();
        try
        {
            return timeout is { } limit ? await next.WaitAsync(limit, token) : await next.WaitAsync(token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            await streamCancel.CancelAsync();
            await next.ContinueWith(static _ => { }, TaskScheduler.Default);
            throw;
        }
        catch (Exception ex) when (ProviderAnswerException.IsUnreadable(ex))
        {
            throw new ProviderAnswerException(ex);
        }
        finally
        {
            _providerTime.Stop();
        }
    }

    private static async Task DisposeQuietlyAsync(
        IAsyncEnumerator<StreamingChatCompletionUpdate> updates, CancellationTokenSource streamCancel)
    {
        await streamCancel.CancelAsync();
        try
        {
            await updates.DisposeAsync();
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException or InvalidOperationException)
        {
            // The connection is being torn down on purpose.
        }
    }

    private static ChatCompletionOptions Options(int maxTokens) => new() { MaxOutputTokenCount = maxTokens };

    private Activity? StartSpan(int maxTokens)
    {
        var activity = ZmartyTelemetry.Source.StartActivity($"chat {provider.Options.Model}", ActivityKind.Client);
        activity?.SetTag("gen_ai.operation.name", "chat");
        activity?.SetTag("gen_ai.provider.name", provider.Options.GenAiProvider);
        activity?.SetTag("gen_ai.request.model", provider.Options.Model);
        activity?.SetTag("gen_ai.request.max_tokens", maxTokens);
        activity?.SetTag("server.address", provider.Endpoint.Host);
        activity?.SetTag("server.port", provider.Endpoint.Port);
        activity?.SetTag("zmarty.provider", provider.Name);
        return activity;
    }

    private ModelReply Record(Activity? activity, ModelReply reply)
    {
        activity?.SetTag("gen_ai.response.model", reply.ModelVersion);
        activity?.SetTag("gen_ai.usage.input_tokens", reply.InputTokens);
        activity?.SetTag("gen_ai.usage.output_tokens", reply.OutputTokens);
        activity?.SetTag("zmarty.usage.reasoning_tokens", reply.ReasoningTokens);
        activity?.SetTag("gen_ai.response.finish_reasons", new[] { reply.FinishReason });
        ChatMetrics.Record(provider, reply, ProviderTime);
        return reply;
    }

    private static bool Fails(Activity? activity, Exception ex)
    {
        if (ProviderFailure.IsProviderFault(ex) || ex is BrokenCircuitException)
        {
            activity?.SetStatus(ActivityStatusCode.Error);
            activity?.SetTag("error.type", ProviderFailure.ErrorType(ex));
        }

        return false;
    }

    private static string FinishReason(ChatFinishReason? reason) => reason switch
    {
        ChatFinishReason.Stop => "stop",
        ChatFinishReason.Length => "length",
        ChatFinishReason.ContentFilter => "content_filter",
        ChatFinishReason.ToolCalls => "tool_calls",
        ChatFinishReason.FunctionCall => "function_call",
        _ => "stop",
    };
}

/// <summary>The GenAI client metrics: token usage and operation duration, by provider and model.</summary>
public static class ChatMetrics
{
    private static readonly System.Diagnostics.Metrics.Histogram<int> s_tokens = ZmartyTelemetry.Meter.CreateHistogram<int>(
        "gen_ai.client.token.usage", "{token}", "Tokens used per model call.");

    private static readonly System.Diagnostics.Metrics.Histogram<double> s_duration = ZmartyTelemetry.Meter.CreateHistogram<double>(
        "gen_ai.client.operation.duration", "s", "Duration of model calls.");

    public static void Record(ModelProvider provider, ModelReply reply, TimeSpan duration)
    {
        var tags = new TagList
        {
            { "gen_ai.operation.name", "chat" },
            { "gen_ai.provider.name", provider.Options.GenAiProvider },
            { "gen_ai.request.model", provider.Options.Model },
        };
        s_duration.Record(duration.TotalSeconds, tags);
        tags.Add("gen_ai.token.type", "input");
        s_tokens.Record(reply.InputTokens, tags);
        tags[^1] = new("gen_ai.token.type", "output");
        s_tokens.Record(reply.OutputTokens, tags);
    }
}
