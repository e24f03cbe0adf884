using System.Globalization;
using System.Net;

namespace Zmarty.Worker.Clients;

/// <summary>
/// One provider key's rate limit and monthly budget, held for every Worker that has the key: the window (at most
/// <see cref="ProviderOptions.RequestsPerWindow"/> calls in any <see cref="ProviderOptions.WindowSeconds"/>, an exact
/// sliding log), the pause after a 429 and the month's count are kept in B (<see cref="IProviderSlots"/>), so six
/// Workers send what one may, not six times that. A call is admitted only when B gives it a place and counts it.
/// </summary>
public sealed class ProviderGate : IDisposable
{
    /// <summary>A call reaches the provider a little after B gave it its place: the window is kept this much longer.</summary>
    private static readonly TimeSpan s_arrivalMargin = TimeSpan.FromMilliseconds(250);

    /// <summary>The name the window and the budget are kept under in B (<c>cryptometer</c>, <c>kingfisher</c>).</summary>
    private readonly string _provider;
    private readonly int _permits;
    private readonly TimeSpan _window;
    private readonly long _budget;
    private readonly IProviderSlots _slots;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>
    /// One caller of this process asks B at a time; the others queue here. Without it every job waiting in this process
    /// would wake when a place frees and ask B for it, a round trip each for the one place there is.
    /// </summary>
    private readonly SemaphoreSlim _turn = new(1, 1);

    /// <summary>The pause after a 429 this process saw, so that its callers wait it out without asking B.</summary>
    private long _pausedUntilTicks;

    private int _warnedMonth;

    public ProviderGate(string provider, ProviderOptions options, IProviderSlots slots, TimeProvider time, ILogger logger)
    {
        _provider = provider;
        _permits = options.RequestsPerWindow;
        _window = TimeSpan.FromSeconds(options.WindowSeconds) + s_arrivalMargin;
        _budget = options.MonthlyCallBudget;
        _slots = slots;
        _time = time;
        _logger = logger;
    }

    /// <summary>Waits for a pause to end and for a place in the window, and counts the call against the month's budget.</summary>
    /// <exception cref="ProviderException"><see cref="ProviderFailure.BudgetSpent"/>: this call would exceed the budget.</exception>
    public async ValueTask EnterAsync(string endpoint, CancellationToken cancellationToken)
    {
        if (_permits <= 0)
        {
            // No window to wait for (the benchmarks' flood): callers need not queue, only the budget is counted.
            await WaitOutPauseAsync(cancellationToken);
            if (_budget > 0)
            {
                Admit(endpoint, await _slots.TakeAsync(_provider, 0, _window, _budget, cancellationToken));
            }

            return;
        }

        await _turn.WaitAsync(cancellationToken);
        try
        {
            while (true)
            {
                await WaitOutPauseAsync(cancellationToken);
                var answer = await _slots.TakeAsync(_provider, _permits, _window, _budget, cancellationToken);
                if (answer.RetryAfter is not { } wait)
                {
                    Admit(endpoint, answer);
                    return;
                }

                await Task.Delay(wait, _time, cancellationToken);
            }
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>
    /// Holds every caller back until <paramref name="delay"/> has passed (a later pause wins): this process's at once,
    /// every other Worker's through B.
    /// </summary>
    public async ValueTask PauseAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        if (delay <= TimeSpan.Zero)
        {
            return;
        }

        var until = (_time.GetUtcNow() + delay).UtcTicks;
        long current;
        do
        {
            current = Interlocked.Read(ref _pausedUntilTicks);
        }
        while (until > current && Interlocked.CompareExchange(ref _pausedUntilTicks, until, current) != current);

        ProviderLog.Paused(_logger, _provider, (long)delay.TotalMilliseconds);
        // Without a window B is never asked before a call, so no other Worker would read the pause there.
        if (_permits > 0)
        {
            await _slots.PauseAsync(_provider, delay, cancellationToken);
        }
    }

    private async ValueTask WaitOutPauseAsync(CancellationToken cancellationToken)
    {
        var wait = new DateTimeOffset(Interlocked.Read(ref _pausedUntilTicks), TimeSpan.Zero) - _time.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _time, cancellationToken);
        }
    }

    private void Admit(string endpoint, SlotAnswer answer)
    {
        var now = _time.GetUtcNow();
        var month = now.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        if (!answer.Allowed)
        {
            ProviderLog.BudgetSpent(_logger, _provider, answer.Calls.GetValueOrDefault(), _budget, month);
            throw new ProviderException(ProviderFailure.BudgetSpent, endpoint,
                $"{_provider}'s budget of {_budget} calls for {month} is spent; no call was made");
        }

        var monthKey = (now.Year * 12) + now.Month;
        if (answer.Calls is { } spent && spent >= _budget * 8 / 10 && Interlocked.Exchange(ref _warnedMonth, monthKey) != monthKey)
        {
            ProviderLog.BudgetNearlySpent(_logger, _provider, spent, _budget, month);
        }
    }

    public void Dispose() => _turn.Dispose();
}

/// <summary>
/// Passes each call through the key's gate (a place in the window, one call of the budget) and pauses the key when the
/// provider answers 429. Retries come back through here: each is a call the provider counts.
/// </summary>
internal sealed class ProviderGateHandler(ProviderGate gate, TimeProvider time) : DelegatingHandler
{
    /// <summary>Without a Retry-After a 429 still pauses the key briefly rather than not at all.</summary>
    private static readonly TimeSpan s_defaultPause = TimeSpan.FromSeconds(1);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        await gate.EnterAsync(request.RequestUri?.AbsolutePath ?? "", cancellationToken);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            try
            {
                await gate.PauseAsync(RetryAfter(response, time) ?? s_defaultPause, cancellationToken);
            }
            catch
            {
                response.Dispose();
                throw;
            }
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
