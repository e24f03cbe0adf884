using System.Collections.Frozen;
using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace Zmarty.Api.Health;

/// <summary>A check in <c>/healthz</c>: the contract's <c>ok</c> or <c>error</c>, or <c>unknown</c> before the first probe.</summary>
public sealed record ComponentHealth(string Status, double? LatencyMs, string? Error = null)
{
    public const string Ok = "ok";
    public const string Failed = "error";
    public const string Unknown = "unknown";

    public static readonly ComponentHealth NotProbedYet = new(Unknown, null, "not probed yet");
}

/// <summary>
/// Probes each provider (<see cref="ProbeTarget"/>) in the background every <see cref="HealthzOptions.ProbeInterval"/>
/// and keeps the last result, so <c>/healthz</c> never waits on a slow provider. A 2xx is <c>ok</c>; a 401 or 403
/// (a bad or revoked key), a 404 (a model or voice the provider does not serve), a 5xx, a refused connection or no
/// answer within the timeout is <c>error</c>, saying which. Another 4xx means the provider answered: <c>ok</c>. Uses a
/// client of its own, without retries, so a probe measures one attempt.
/// </summary>
public sealed partial class ProviderProbe : BackgroundService
{
    private readonly HealthzOptions _options;
    private readonly IReadOnlyList<ProbeTarget> _targets;
    private readonly TimeProvider _time;
    private readonly ILogger<ProviderProbe> _logger;
    private readonly HttpClient _http;
    private FrozenDictionary<string, ComponentHealth> _results;

    public ProviderProbe(
        IOptions<HealthzOptions> options, IReadOnlyList<ProbeTarget> targets, TimeProvider time, ILogger<ProviderProbe> logger)
    {
        _options = options.Value;
        _targets = targets;
        _time = time;
        _logger = logger;
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = _options.ProbeTimeout })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _results = targets.ToFrozenDictionary(t => t.Name, _ => ComponentHealth.NotProbedYet, StringComparer.Ordinal);
    }

    /// <summary>The last result per provider.</summary>
    public IReadOnlyDictionary<string, ComponentHealth> Results => _results;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.ProbeInterval, _time);
        do
        {
            var probes = _targets.Select(async t => (Target: t, Health: await ProbeAsync(t, stoppingToken)));
            var probed = await Task.WhenAll(probes);
            foreach (var (target, health) in probed)
            {
                var before = _results.GetValueOrDefault(target.Name)?.Status;
                if (health.Status == ComponentHealth.Failed && before != ComponentHealth.Failed)
                {
                    LogFailing(_logger, target.Name, target.Url.GetLeftPart(UriPartial.Authority), health.Error);
                }
                else if (health.Status == ComponentHealth.Ok && before == ComponentHealth.Failed)
                {
                    LogOkAgain(_logger, target.Name);
                }
            }

            var results = probed.ToFrozenDictionary(r => r.Target.Name, r => r.Health, StringComparer.Ordinal);

            _results = results;
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task<ComponentHealth> ProbeAsync(ProbeTarget target, CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(_options.ProbeTimeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, target.Url);
            foreach (var (name, value) in target.Headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var status = (int)response.StatusCode;
            return status switch
            {
                401 or 403 => new ComponentHealth(ComponentHealth.Failed, latency, $"the key was refused (HTTP {status})"),
                404 => new ComponentHealth(ComponentHealth.Failed, latency, $"{target.Subject} not found (HTTP 404)"),
                >= 500 => new ComponentHealth(ComponentHealth.Failed, latency, $"HTTP {status}"),
                _ => new ComponentHealth(ComponentHealth.Ok, latency),
            };
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return new ComponentHealth(ComponentHealth.Failed, Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                $"no answer within {_options.ProbeTimeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            // The kind of failure only: the exception's text names hosts and addresses.
            return new ComponentHealth(ComponentHealth.Failed, Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                $"unreachable ({ex.HttpRequestError})");
        }
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider {Provider} at {Host} fails its health probe: {Error}")]
    private static partial void LogFailing(ILogger logger, string provider, string host, string? error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Provider {Provider} passes its health probe again")]
    private static partial void LogOkAgain(ILogger logger, string provider);
}
