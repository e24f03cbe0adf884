using System.Collections.Frozen;
using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace Zmarty.Api.Health;

/// <summary>A component's state in <c>/healthz</c>.</summary>
public sealed record ComponentHealth(string Status, double? LatencyMs, string? Error = null)
{
    public const string Healthy = "healthy";
    public const string Unhealthy = "unhealthy";
    public const string Unknown = "unknown";

    public static readonly ComponentHealth NotProbedYet = new(Unknown, null, "not probed yet");
}

/// <summary>
/// Probes each provider's base URL in the background every <see cref="HealthzOptions.ProbeInterval"/>
/// and keeps the last result, so <c>/healthz</c> never waits on a slow provider. Any HTTP answer
/// below 500 (a 401 or 404 without a key included) means the provider is reachable; a 5xx, a
/// refused connection or no answer within the timeout means it is not. Uses a client of its own,
/// without retries, so a probe measures one attempt.
/// </summary>
public sealed partial class ProviderProbe : BackgroundService
{
    private readonly HealthzOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ProviderProbe> _logger;
    private readonly HttpClient _http;
    private FrozenDictionary<string, ComponentHealth> _results;

    public ProviderProbe(IOptions<HealthzOptions> options, TimeProvider time, ILogger<ProviderProbe> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = _options.ProbeTimeout })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _results = _options.Providers.Keys.ToFrozenDictionary(name => name, _ => ComponentHealth.NotProbedYet, StringComparer.Ordinal);
    }

    /// <summary>The last result per provider.</summary>
    public IReadOnlyDictionary<string, ComponentHealth> Results => _results;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.ProbeInterval, _time);
        do
        {
            var probes = _options.Providers.Select(async p => (p.Key, Health: await ProbeAsync(p.Value, stoppingToken)));
            var results = (await Task.WhenAll(probes)).ToFrozenDictionary(r => r.Key, r => r.Health, StringComparer.Ordinal);
            foreach (var (name, health) in results)
            {
                var before = _results.GetValueOrDefault(name)?.Status;
                if (health.Status == ComponentHealth.Unhealthy && before != ComponentHealth.Unhealthy)
                {
                    LogUnreachable(_logger, name, _options.Providers[name], health.Error);
                }
                else if (health.Status == ComponentHealth.Healthy && before == ComponentHealth.Unhealthy)
                {
                    LogReachableAgain(_logger, name);
                }
            }

            _results = results;
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task<ComponentHealth> ProbeAsync(Uri baseUrl, CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(_options.ProbeTimeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await _http.GetAsync(new Uri(baseUrl.ToString().TrimEnd('/') + "/models"), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            return (int)response.StatusCode < 500
                ? new ComponentHealth(ComponentHealth.Healthy, latency)
                : new ComponentHealth(ComponentHealth.Unhealthy, latency, $"HTTP {(int)response.StatusCode}");
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return new ComponentHealth(ComponentHealth.Unhealthy, Stopwatch.GetElapsedTime(started).TotalMilliseconds, $"no answer within {_options.ProbeTimeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            // The kind of failure only: the exception's text names hosts and addresses.
            return new ComponentHealth(ComponentHealth.Unhealthy, Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                $"unreachable ({ex.HttpRequestError})");
        }
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider {Provider} at {BaseUrl} is unreachable: {Error}")]
    private static partial void LogUnreachable(ILogger logger, string provider, Uri baseUrl, string? error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Provider {Provider} is reachable again")]
    private static partial void LogReachableAgain(ILogger logger, string provider);
}
