namespace Zmarty.AdminUi.Live;

/// <summary>What a poll last read: the value (kept from the last success) and the error of the last try, if it failed.</summary>
public sealed record LiveResult<T>(T? Value, DateTimeOffset? ReadAt, string? Error) where T : class
{
    public static readonly LiveResult<T> Empty = new(null, null, null);
}

/// <summary>
/// One shared poll of one data source, however many pages show it: it reads every
/// <c>interval</c> while anyone subscribes and stops when the last subscriber leaves, so many
/// open tabs cost one query per interval, not one per tab. Subscribers are called after each
/// read; a component marshals the call onto its renderer with <c>InvokeAsync</c>.
/// </summary>
public sealed partial class LivePoll<T> : IAsyncDisposable where T : class
{
    private readonly Func<CancellationToken, Task<T>> _read;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _name;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _reading = new(1, 1);
    private readonly List<Func<Task>> _subscribers = [];
    private CancellationTokenSource? _loopStop;
    private Task _loop = Task.CompletedTask;

    public LivePoll(string name, Func<CancellationToken, Task<T>> read, TimeSpan interval, TimeProvider time, ILogger logger)
    {
        _name = name;
        _read = read;
        _interval = interval;
        _time = time;
        _logger = logger;
    }

    public LiveResult<T> Current { get; private set; } = LiveResult<T>.Empty;

    /// <summary>How many reads this poll has made; lets tests see that tabs share one poll.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    private long _reads;

    /// <summary>Calls <paramref name="changed"/> after every read until the returned handle is disposed.</summary>
    public IDisposable Subscribe(Func<Task> changed)
    {
        lock (_gate)
        {
            _subscribers.Add(changed);
            if (_subscribers.Count == 1)
            {
                _loopStop = new CancellationTokenSource();
                _loop = RunAsync(_loopStop.Token);
            }
        }

        return new Subscription(this, changed);
    }

    /// <summary>Reads now (after an action changed the data) and tells every subscriber.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        await ReadAsync(cancellationToken);
        await NotifyAsync();
    }

    private async Task RunAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(_interval, _time);
        try
        {
            do
            {
                await RefreshAsync(stop);
            }
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task ReadAsync(CancellationToken cancellationToken)
    {
        await _reading.WaitAsync(cancellationToken);
        try
        {
            var value = await _read(cancellationToken);
            Interlocked.Increment(ref _reads);
            if (Current.Error is not null)
            {
                LogReadRecovered(_logger, _name);
            }

            Current = new LiveResult<T>(value, _time.GetUtcNow(), null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The page keeps showing the last good value with the error above it; the database
            // coming back clears it on the next read. Logged once per outage, not once per read.
            Interlocked.Increment(ref _reads);
            if (Current.Error is null)
            {
                LogReadFailed(_logger, _name, ex.Message);
            }

            Current = Current with { Error = ex.Message };
        }
        finally
        {
            _reading.Release();
        }
    }

    private async Task NotifyAsync()
    {
        Func<Task>[] subscribers;
        lock (_gate)
        {
            subscribers = [.. _subscribers];
        }

        foreach (var subscriber in subscribers)
        {
            try
            {
                await subscriber();
            }
            catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException)
            {
                // A circuit that went away between the snapshot of subscribers and this call.
            }
        }
    }

    private void Unsubscribe(Func<Task> changed)
    {
        CancellationTokenSource? stop = null;
        lock (_gate)
        {
            if (_subscribers.Remove(changed) && _subscribers.Count == 0)
            {
                stop = _loopStop;
                _loopStop = null;
            }
        }

        if (stop is not null)
        {
            stop.Cancel();
            stop.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task loop;
        lock (_gate)
        {
            _subscribers.Clear();
            _loopStop?.Cancel();
            _loopStop?.Dispose();
            _loopStop = null;
            loop = _loop;
        }

        await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _reading.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading {Poll} failed: {Error}")]
    private static partial void LogReadFailed(ILogger logger, string poll, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reading {Poll} works again")]
    private static partial void LogReadRecovered(ILogger logger, string poll);

    private sealed class Subscription(LivePoll<T> poll, Func<Task> changed) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                poll.Unsubscribe(changed);
            }
        }
    }
}
