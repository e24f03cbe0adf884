using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Zmarty.Worker.Clients;

namespace Zmarty.Tests.Pipeline;

/// <summary>
/// The gate each provider call passes, on a fake clock: several Workers' gates share one key's window and pause through
/// the store (B in production, <see cref="SharedSlots"/> here), and one process's waiting callers do not each ask it.
/// </summary>
public sealed class ProviderGateTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task Two_workers_on_one_key_let_ten_calls_through_in_any_five_seconds_and_no_eleventh()
    {
        var slots = new SharedSlots(_time);
        using var first = Gate(slots);
        using var second = Gate(slots);
        for (var i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(400));
            await (i % 2 == 0 ? first : second).EnterAsync("ohlcv", CancellationToken.None);
        }

        var eleventh = first.EnterAsync("ticker", CancellationToken.None).AsTask();
        // The first call went at 0.4 s: the eleventh, asked for at 4 s, goes once that one is 5 s (and the arrival margin) old.
        _time.Advance(TimeSpan.FromSeconds(1.6));
        Assert.False(eleventh.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(0.05));
        await eleventh.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_429_one_worker_is_given_holds_the_other_workers_calls_for_its_retry_after()
    {
        var slots = new SharedSlots(_time);
        using var first = Gate(slots);
        using var second = Gate(slots);
        using var limited = new HttpMessageInvoker(
            new ProviderGateHandler(first, _time) { InnerHandler = new TooManyRequests(seconds: 3) });
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://cryptometer.test/ohlcv/");

        using var response = await limited.SendAsync(request, CancellationToken.None);
        var held = second.EnterAsync("ticker", CancellationToken.None).AsTask();
        _time.Advance(TimeSpan.FromSeconds(2.9));
        Assert.False(held.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(0.1));
        await held.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
    }

    [Fact]
    public async Task Callers_waiting_in_one_worker_ask_the_store_one_at_a_time()
    {
        var slots = new SharedSlots(_time);
        using var gate = Gate(slots);
        for (var i = 0; i < 10; i++)
        {
            await gate.EnterAsync("ohlcv", CancellationToken.None);
        }

        var waiting = Enumerable.Range(0, 5).Select(_ => gate.EnterAsync("ticker", CancellationToken.None).AsTask()).ToList();
        // The first waiter asked and was told to wait; the other four wait behind it without asking.
        Assert.Equal(11, slots.Takes);
        _time.Advance(TimeSpan.FromSeconds(5.25));
        await Task.WhenAll(waiting).WaitAsync(TimeSpan.FromSeconds(5));

        // Once the window had room, each waiter asked once more and got its place: no round trip was wasted.
        Assert.Equal(16, slots.Takes);
    }

    [Fact]
    public async Task Without_a_window_or_a_budget_the_store_is_never_asked()
    {
        var slots = new SharedSlots(_time);
        using var gate = Gate(slots, new CryptometerOptions { RequestsPerWindow = 0, MonthlyCallBudget = 0 });

        await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => gate.EnterAsync("ohlcv", CancellationToken.None).AsTask()));

        Assert.Equal(0, slots.Takes);
    }

    [Fact]
    public async Task A_spent_budget_is_a_provider_error_and_no_place_is_taken()
    {
        var slots = new SharedSlots(_time);
        using var gate = Gate(slots, new CryptometerOptions { MonthlyCallBudget = 2 });
        await gate.EnterAsync("ohlcv", CancellationToken.None);
        await gate.EnterAsync("ticker", CancellationToken.None);

        var refused = await Assert.ThrowsAsync<ProviderException>(() => gate.EnterAsync("ls-ratio", CancellationToken.None).AsTask());

        Assert.Equal(ProviderFailure.BudgetSpent, refused.Failure);
        Assert.Equal("ls-ratio", refused.Endpoint);
        Assert.Equal(2, slots.Sent);
    }

    private ProviderGate Gate(SharedSlots slots, CryptometerOptions? options = null) =>
        new("cryptometer", options ?? new CryptometerOptions(), slots, _time, NullLogger.Instance);

    /// <summary>One key's window, pause and budget as B keeps them (<c>ops.take_provider_slot</c>), on the fake clock.</summary>
    private sealed class SharedSlots(TimeProvider time) : IProviderSlots
    {
        private readonly Lock _gate = new();
        private readonly Queue<DateTimeOffset> _sent = new();
        private DateTimeOffset _pausedUntil;
        private long _calls;
        private int _takes;

        public int Takes => Volatile.Read(ref _takes);

        public int Sent
        {
            get
            {
                lock (_gate)
                {
                    return _sent.Count;
                }
            }
        }

        public ValueTask<SlotAnswer> TakeAsync(
            string provider, int permits, TimeSpan window, long budget, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _takes);
            var now = time.GetUtcNow();
            lock (_gate)
            {
                if (_pausedUntil > now)
                {
                    return ValueTask.FromResult(new SlotAnswer(_pausedUntil - now, false, null));
                }

                while (_sent.Count > 0 && _sent.Peek() <= now - window)
                {
                    _sent.Dequeue();
                }

                if (permits > 0 && _sent.Count >= permits)
                {
                    return ValueTask.FromResult(new SlotAnswer(_sent.Peek() + window - now, false, null));
                }

                if (budget > 0 && _calls >= budget)
                {
                    return ValueTask.FromResult(new SlotAnswer(null, false, _calls));
                }

                _sent.Enqueue(now);
                return ValueTask.FromResult(new SlotAnswer(null, true, budget > 0 ? ++_calls : null));
            }
        }

        public ValueTask PauseAsync(string provider, TimeSpan delay, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                var until = time.GetUtcNow() + delay;
                _pausedUntil = until > _pausedUntil ? until : _pausedUntil;
            }

            return ValueTask.CompletedTask;
        }
    }

    private sealed class TooManyRequests(int seconds) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
            response.Headers.RetryAfter = new(TimeSpan.FromSeconds(seconds));
            return Task.FromResult(response);
        }
    }
}
