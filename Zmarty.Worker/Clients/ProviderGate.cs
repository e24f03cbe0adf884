using System.Net;

namespace Zmarty.Worker.Clients;

/// <summary>
/// One provider key's rate limit, shared by every call the process makes with it: at most
/// <see cref="ProviderOptions.RequestsPerWindow"/> calls in any <see cref="ProviderOptions.WindowSeconds"/> (an exact
/// sliding log, not segments, which let a burst straddle two segments), and a pause after a 429 so that concurrent
/// callers wait out the Retry-After too instead of each collecting its own 429.
/// </summary>
public sealed class ProviderGate : IDisposable
{
    /// <summary>A call reaches the provider a little after it leaves: the window is kept this much longer than the provider's.</summary>
    private static readonly TimeSpan s_arrivalMargin = TimeSpan.FromMilliseconds(250);

    private readonly TimeProvider _time;
    private readonly int _permits;
    private readonly TimeSpan _window;
    private readonly Queue<DateTimeOffset> _sent = new();
    private readonly SemaphoreSlim _turn = new(1, 1);
    private long _pausedUntilTicks;

    public ProviderGate(ProviderOptions options, TimeProvider time)
    {
        _time = time;
        _permits = options.RequestsPerWindow;
        _window = TimeSpan.FromSeconds(options.WindowSeconds) + s_arrivalMargin;
    }

    /// <summary>Waits for a pause to end and for a place in the window.</summary>
    public async ValueTask EnterAsync(CancellationToken cancellationToken)
    {
        var wait = new DateTimeOffset(Interlocked.Read(ref _pausedUntilTicks), TimeSpan.Zero) - _time.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _time, cancellationToken);
        }

        if (_permits <= 0)
        {
            return;
        }

        await _turn.WaitAsync(cancellationToken);
        try
        {
            while (true)
            {
                var now = _time.GetUtcNow();
                while (_sent.Count > 0 && _sent.Peek() <= now - _window)
                {
                    _sent.Dequeue();
                }

                if (_sent.Count < _permits)
                {
                    _sent.Enqueue(now);
                    return;
                }

                await Task.Delay(_sent.Peek() + _window - now, _time, cancellationToken);
            }
        }
        finally
        {
            _turn.Release();
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

    public void Dispose() => _turn.Dispose();
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
