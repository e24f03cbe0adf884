namespace Zmarty.Worker.Relay;

/// <summary>
/// Keeps each of the relay's loops (its lanes, the listener, the poller, housekeeping) running: a loop
/// that throws what it does not handle itself is logged at Error (which reaches B's error log and the
/// admin Pipeline page), counted in <c>zmarty.relay.restarts</c>, and started again after a backoff
/// that doubles with each crash in a row, up to <see cref="RelayOptions.MaxRestartDelay"/>. Without it a
/// crashed lane would end silently while the others went on.
/// </summary>
internal sealed partial class RelaySupervisor(RelayMetrics metrics, TimeProvider clock, ILogger<RelaySupervisor> logger, TimeSpan maxDelay)
{
    /// <summary>A loop that ran this long before crashing starts again at the shortest delay.</summary>
    private static readonly TimeSpan s_healthyRun = TimeSpan.FromMinutes(1);

    private static readonly TimeSpan s_firstDelay = TimeSpan.FromMilliseconds(200);

    public async Task RunAsync(string task, Func<CancellationToken, Task> loop, CancellationToken stoppingToken)
    {
        var crashes = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = clock.GetTimestamp();
            try
            {
                await loop(stoppingToken);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                crashes = clock.GetElapsedTime(started) >= s_healthyRun ? 1 : crashes + 1;
                var delay = TimeSpan.FromTicks(Math.Min(maxDelay.Ticks, s_firstDelay.Ticks << Math.Min(crashes - 1, 20)));
                metrics.Restarted(task);
                LogCrashed(logger, task, crashes, (long)delay.TotalMilliseconds, ex);
                try
                {
                    await Task.Delay(delay, clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Relay task {relay_task} crashed ({crashes} in a row); restarting it in {delay_ms} ms")]
    private static partial void LogCrashed(ILogger logger, string relay_task, int crashes, long delay_ms, Exception exception);
}
