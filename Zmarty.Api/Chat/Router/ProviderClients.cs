using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Chat;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Timeout;
using Zmarty.Api.Extensions;

namespace Zmarty.Api.Chat.Router;

/// <summary>One provider as the router uses it: its OpenAI SDK client and its Polly pipeline.</summary>
public sealed record ModelProvider(string Name, ProviderOptions Options, Uri Endpoint, ChatClient Client, ResiliencePipeline Pipeline);

/// <summary>
/// One OpenAI SDK <see cref="ChatClient"/> per provider (each vendor speaks OpenAI chat completions),
/// over an HttpClient without the default retry handler, with the SDK's own retries off: the router
/// decides what happens after a failure (the next provider), and Polly gives each provider its
/// timeout and circuit breaker.
/// </summary>
public sealed class ProviderClients
{
    public const string HttpClientName = "model-providers";

    /// <summary>The key sent where no key is configured: the emulators take it, a real vendor refuses it.</summary>
    public const string EmulatorKey = "emulator";

    private readonly Dictionary<string, ModelProvider> _providers = new(StringComparer.OrdinalIgnoreCase);

    public ProviderClients(
        IOptions<ChatOptions> options, IHttpClientFactory httpClients, IConfiguration configuration,
        ResiliencePipelineProvider<string> pipelines)
    {
        var emulators = EmulatorAddress.From(configuration);
        foreach (var (name, provider) in options.Value.Providers)
        {
            var endpoint = provider.ResolveEndpoint(emulators);
            var client = new ChatClient(
                provider.Model,
                new ApiKeyCredential(string.IsNullOrEmpty(provider.ApiKey) ? EmulatorKey : provider.ApiKey),
                new OpenAIClientOptions
                {
                    Endpoint = endpoint,
                    Transport = new HttpClientPipelineTransport(httpClients.CreateClient(HttpClientName)),
                    RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
                    // Polly's timeout governs; the SDK's would cut a long stream that is still flowing.
                    NetworkTimeout = Timeout.InfiniteTimeSpan,
                });
            _providers[name] = new ModelProvider(name, provider, endpoint, client, pipelines.GetPipeline(PipelineName(name)));
        }
    }

    public ModelProvider this[string name] => _providers[name];

    public static string PipelineName(string provider) => "provider-" + provider.ToLowerInvariant();

    /// <summary>Registers the HttpClient and one pipeline per configured provider: circuit breaker outside, timeout inside.</summary>
    public static void AddTo(IServiceCollection services, ChatOptions chat)
    {
        services.AddHttpClient(HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan).RemoveAllResilienceHandlers();
        foreach (var name in chat.Providers.Keys)
        {
            services.AddResiliencePipeline(PipelineName(name), (pipeline, context) =>
            {
                var router = context.ServiceProvider.GetRequiredService<IOptions<ChatOptions>>().Value.Router;
                pipeline
                    .AddCircuitBreaker(new CircuitBreakerStrategyOptions
                    {
                        FailureRatio = router.FailureRatio,
                        MinimumThroughput = router.MinimumThroughput,
                        SamplingDuration = router.SamplingDuration,
                        BreakDuration = router.BreakDuration,
                        ShouldHandle = new PredicateBuilder().Handle<Exception>(ProviderFailure.IsProviderFault),
                    })
                    .AddTimeout(router.Timeout);
            });
        }
    }
}

/// <summary>
/// How a failed call is read. A refused request (400, 413, 422: the request itself, say a context too long for this
/// model) counts toward no circuit; another provider may still take it. Every other failure is a provider fault: fall
/// back, and count it toward this provider's circuit. Some faults pass (timeouts, 408, 429, 5xx, a broken connection or
/// stream, an open circuit); the rest are answers a retry will not mend (a rotated key's 401/403, a retired model's 404 or
/// 410, an unpaid account's 402, any other status, an answer that cannot be read).
/// </summary>
public static class ProviderFailure
{
    private const int MaxRefusalLength = 300;

    public static bool IsProviderFault(Exception exception) => exception switch
    {
        ClientResultException { Status: 400 or 413 or 422 } => false,
        ClientResultException => true,
        HttpRequestException or IOException or TimeoutRejectedException or TimeoutException => true,
        ProviderStreamException or ProviderAnswerException => true,
        _ => false,
    };

    /// <summary>Whether the same call may well succeed a little later; false for a fault a retry will not mend.</summary>
    public static bool Passes(Exception exception) => exception switch
    {
        ClientResultException { Status: 0 or 408 or 429 or >= 500 } => true,
        ClientResultException or ProviderAnswerException => false,
        _ => IsProviderFault(exception) || exception is BrokenCircuitException,
    };

    /// <summary>What a provider fault was, in words for the client: "answered HTTP 402", "timed out".</summary>
    public static string Describe(Exception exception) => exception switch
    {
        BrokenCircuitException => "is skipped while its circuit is open",
        TimeoutRejectedException or TimeoutException => "timed out",
        ClientResultException { Status: > 0 } client =>
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"answered HTTP {client.Status}"),
        ProviderStreamException => "broke its stream before the first token",
        ProviderAnswerException => "sent an answer that cannot be read",
        _ => "could not be reached",
    };

    /// <summary>The provider's own words when it refused the request as such; null for any other failure.</summary>
    public static string? RefusedRequest(Exception exception)
    {
        if (exception is not ClientResultException { Status: 400 or 413 or 422 } refused)
        {
            return null;
        }

        var message = VendorMessage(refused) ?? $"HTTP {refused.Status}";
        return message.Length <= MaxRefusalLength ? message : message[..MaxRefusalLength] + "…";
    }

    /// <summary>The OpenTelemetry <c>error.type</c> of a failed call.</summary>
    public static string ErrorType(Exception exception) => exception switch
    {
        BrokenCircuitException => "circuit_open",
        TimeoutRejectedException or TimeoutException => "timeout",
        ClientResultException { Status: 429 } => "rate_limited",
        ClientResultException { Status: > 0 } client => client.Status.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ProviderStreamException => "stream_broken",
        ProviderAnswerException => "invalid_response",
        _ => exception.GetType().Name,
    };

    /// <summary><c>error.message</c> of the OpenAI error body every vendor here answers with, when there is one.</summary>
    private static string? VendorMessage(ClientResultException refused)
    {
        try
        {
            var content = refused.GetRawResponse()?.Content;
            if (content is null)
            {
                return null;
            }

            using var body = System.Text.Json.JsonDocument.Parse(content);
            return body.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == System.Text.Json.JsonValueKind.Object
                && error.TryGetProperty("message", out var message)
                && message.ValueKind == System.Text.Json.JsonValueKind.String
                ? message.GetString()
                : null;
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException)
        {
            return null;
        }
    }
}

/// <summary>A stream that ended or broke before it should have.</summary>
public sealed class ProviderStreamException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// An answer the SDK could not read (JSON that is not, a string that escapes a lone surrogate, a missing member): the
/// provider's fault, not ours.
/// </summary>
public sealed class ProviderAnswerException(Exception inner) : Exception("The provider's answer could not be read.", inner)
{
    /// <summary>What reading an answer throws, as opposed to a call cancelled or failed on the way.</summary>
    public static bool IsUnreadable(Exception exception) =>
        exception is System.Text.Json.JsonException or InvalidOperationException or FormatException or KeyNotFoundException
            && exception is not ObjectDisposedException;
}
