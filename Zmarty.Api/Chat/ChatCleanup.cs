using System.Collections.Concurrent;
using Zmarty.Api.Credits;

namespace Zmarty.Api.Chat;

/// <summary>
/// Undoes in A what a chat that produced nothing had written (a hold, its Idempotency-Key's claim) without keeping
/// its client waiting for A: each step is tried at once, and when A cannot be reached (a restart) it is retried in
/// the background for <see cref="CreditsOptions.SettleRetryWindow"/> while the client already has its 503. A step
/// still undone after that is left to expire: the hold is released after <see cref="CreditsOptions.HoldLifetime"/>
/// (<see cref="ExpiredHoldReleaser"/>), and the key can run again after as long.
/// </summary>
internal sealed partial class ChatCleanup(TimeSpan window, TimeProvider time, ILogger logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<Task, byte> _retrying = new();

    /// <summary>Runs <paramref name="undo"/>; when A is unreachable, leaves it to the background and returns.</summary>
    public async Task RunAsync(string step, Func<Task> undo)
    {
        try
        {
            await undo();
            return;
        }
        catch (Exception ex) when (TransientRetry.IsTransient(ex))
        {
            LogDeferred(logger, step, ex.Message);
        }

        var retry = RetryAsync(step, undo);
        _retrying.TryAdd(retry, 0);
        _ = retry.ContinueWith(done => _retrying.TryRemove(done, out _), TaskScheduler.Default);
    }

    /// <summary>A graceful stop waits for the steps being retried; each ends within the window.</summary>
    public async ValueTask DisposeAsync() => await Task.WhenAll(_retrying.Keys);

    private async Task RetryAsync(string step, Func<Task> undo)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), time);
            await TransientRetry.RunAsync(
                async () =>
                {
                    await undo();
                    return true;
                },
                window, time, (attempt, ex) => LogRetry(logger, step, attempt, ex.Message));
            LogUndone(logger, step);
        }
        catch (Exception ex) when (TransientRetry.IsTransient(ex))
        {
            LogGaveUp(logger, step, ex);
        }
        catch (Exception ex)
        {
            // Nobody awaits this task: an unexpected failure is logged here or not at all.
            LogFailed(logger, step, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Step} could not reach A ({Error}); retrying it in the background")]
    private static partial void LogDeferred(ILogger logger, string step, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Step} failed (attempt {Attempt}: {Error}); retrying")]
    private static partial void LogRetry(ILogger logger, string step, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "The {Step} is done, after A was back")]
    private static partial void LogUndone(ILogger logger, string step);

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Step} gave up: A stayed unreachable; it is left to expire")]
    private static partial void LogGaveUp(ILogger logger, string step, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Step} failed; it is left to expire")]
    private static partial void LogFailed(ILogger logger, string step, Exception exception);
}
