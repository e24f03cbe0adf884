using System.Net;
using System.Threading.RateLimiting;

namespace Zmarty.Worker.Clients;

/// <summary>
/// One provider key's budget, shared by every call the process makes with it: a sliding window of
/// <see cref="ProviderOptions.RequestsPerWindow"/> calls, and a pause after a 429 so that concurrent callers wait out
/// the Retry-After too instead of each collecting its own 429.
/// </summary>
public sealed class ProviderGate : IDisposable
{
    private readonly TimeProvider _time;
    private readonly SlidingWindowRateLimiter? _limiter;
    private long _pausedUntilTicks;

    public ProviderGate(ProviderOptions options, TimeProvider time)
    {
        _time = time;
        if (options.RequestsPerWindow > 0)
        {
            _limiter = new SlidingWindowRateLimiter(new SlidingWindowRateLimiterOptions
            {
                PermitLimit = options.RequestsPerWindow,
                Window = TimeSpan.FromSeconds(options.WindowSeconds),
                SegmentsPerWindow = options.WindowSeconds,
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            });
        }
    }

    /// <summary>Waits for a pause to end and for a permit.</summary>
    public async ValueTask EnterAsync(CancellationToken cancellationToken)
    {
        var wait = new DateTimeOffset(Interlocked.Read(ref _pausedUntilTicks), TimeSpan.Zero) - _time.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _time, cancellationToken);
        }

        if (_limiter is not null)
        {
            using var lease = await _limiter.AcquireAsync(1, cancellationToken);
        }
    }

    /// <summary>Holds every caller back until <paramref name="delay"/> has passed (a later pause wins).</summary>
    public void PauseFor(TimeSpan delay)
    {
        var until = (_time.GetUtcNow() + delay).UtcTicks;
        long current;
        do
        {
            current = Interlocked.Read(ref _pausedUntilTicks);
        }
        while (until > current && Interlocked.CompareExchange(ref _pausedUntilTicks, until, current) != current);
    }

    public void Dispose() => _limiter?.Dispose();
}

/// <summary>
/// Passes each call through the gate, spends one call of the key's monthly budget, and pauses the gate when the
/// provider answers 429. Retries come back through here: each is a call the provider counts.
/// </summary>
internal sealed class ProviderGateHandler(ProviderGate gate, ProviderBudget budget, TimeProvider time) : DelegatingHandler
{
    /// <summary>Without a Retry-After a 429 still pauses the key briefly rather than not at all.</summary>
    private static readonly TimeSpan s_defaultPause = TimeSpan.FromSeconds(1);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        await gate.EnterAsync(cancellationToken);
        await budget.SpendAsync(request.RequestUri?.AbsolutePath ?? "", cancellationToken);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            gate.PauseFor(RetryAfter(response, time) ?? s_defaultPause);
        }

        return response;
    }

    internal static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider time) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - time.GetUtcNow(),
        _ => null,
    };
}
