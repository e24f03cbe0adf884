using System.Diagnostics;
using Microsoft.Extensions.Options;
using Zmarty.Worker.Clients;

namespace Zmarty.Worker.Queues;

/// <summary>
/// Consumes one queue: reads as many messages as it has free slots (up to a batch), runs up to
/// <see cref="QueueOptions.Concurrency"/> jobs at once, and ends every delivery in <c>ops.job_runs</c>. A failure is
/// retried after <see cref="QueueOptions.RetryDelaySeconds"/> until <see cref="QueueOptions.MaxAttempts"/>, then
/// archived; a rejection is archived at once. Several Worker processes may consume the same queue: pgmq's reads
/// skip locked and invisible messages, and a completion only commits for the delivery it read.
/// </summary>
public sealed class QueueConsumer(
    IQueueJob job, PgmqQueue queue, IOptions<QueueOptions> options, QueueTracing tracing, TimeProvider time, ILogger<QueueConsumer> logger)
    : BackgroundService
{
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(5);

    private readonly QueueOptions _options = options.Value;
    // Touched by the read loop only.
    private readonly List<Task> _inFlight = [];
    private long _depth;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var slots = new SemaphoreSlim(_options.Concurrency, _options.Concurrency);
        // Jobs outlive the stop signal by the grace period: they finish, or are cancelled and release their message.
        using var jobs = new CancellationTokenSource();
        await using var grace = stoppingToken.Register(() => jobs.CancelAfter(TimeSpan.FromSeconds(_options.ShutdownGraceSeconds)));
        var backoff = TimeSpan.FromMilliseconds(_options.PollIntervalMilliseconds);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await slots.WaitAsync(stoppingToken);
                var free = 1;
                while (free < _options.BatchSize && slots.Wait(0))
                {
                    free++;
                }

                List<QueueMessage> messages;
                try
                {
                    var started = time.GetUtcNow();
                    messages = await queue.ReadAsync(_options.VisibilityTimeoutSeconds, free, stoppingToken);
                    if (messages.Count > 0)
                    {
                        var ended = time.GetUtcNow();
                        messages.ForEach(message => tracing.RecordReceive(job.Queue, message, started, ended));
                        Interlocked.Exchange(ref _depth, await queue.DepthAsync(stoppingToken));
                    }

                    backoff = TimeSpan.FromMilliseconds(_options.PollIntervalMilliseconds);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    slots.Release(free);
                    QueueLog.DatabaseUnavailable(logger, ex, job.Queue, (long)backoff.TotalMilliseconds);
                    await Task.Delay(backoff, time, stoppingToken);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, s_maxBackoff.Ticks));
                    continue;
                }

                if (free > messages.Count)
                {
                    slots.Release(free - messages.Count);
                }

                _inFlight.RemoveAll(task => task.IsCompleted);
                _inFlight.AddRange(messages.Select(message => RunAsync(message, slots, jobs.Token)));

                if (messages.Count == 0)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(_options.PollIntervalMilliseconds), time, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: no more reads; what is in flight finishes below.
        }

        await Task.WhenAll(_inFlight);
    }

    private async Task RunAsync(QueueMessage message, SemaphoreSlim slots, CancellationToken jobsToken)
    {
        await Task.Yield();
        try
        {
            await ProcessAsync(message, jobsToken);
        }
        finally
        {
            slots.Release();
        }
    }

    private async Task ProcessAsync(QueueMessage message, CancellationToken jobsToken)
    {
        using var activity = tracing.StartProcess(job.Queue, message);
        var startedAt = time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        JobKey? key = null;
        JobRun Run(JobOutcome outcome, string? error = null) => new(key, startedAt, clock.Elapsed, outcome, error);
        var depth = Interlocked.Read(ref _depth);

        try
        {
            key = JobKey.From(message.Body);
            activity?.SetTag("zmarty.symbol", key.Symbol);
            activity?.SetTag("zmarty.timeframe", key.Timeframe);
            if (message.ReadCount > _options.MaxAttempts)
            {
                // Delivered again after a crash on its last attempt: it has had its tries.
                await queue.ArchiveAsync(
                    message, Run(JobOutcome.Failed, $"no attempts left after {_options.MaxAttempts}"), CancellationToken.None);
                QueueLog.GaveUp(
                    logger, null, job.Queue, key.Symbol, key.Timeframe, 0, message.ReadCount, _options.MaxAttempts, depth, message.MsgId);
                return;
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(jobsToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(_options.VisibilityTimeoutSeconds - QueueOptionsValidator.CommitMarginSeconds));
            var write = await job.RunAsync(message, key, deadline.Token);
            if (await queue.CompleteAsync(message, write, Run(JobOutcome.Succeeded), CancellationToken.None))
            {
                QueueLog.Succeeded(logger, job.Queue, key.Symbol, key.Timeframe, clock.ElapsedMilliseconds, message.ReadCount, depth);
            }
            else
            {
                QueueLog.Superseded(logger, job.Queue, key.Symbol, key.Timeframe, message.MsgId, clock.ElapsedMilliseconds, depth);
            }
        }
        catch (Exception ex) when (ex is JobRejectedException or ProviderException)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            await BookAsync(() => queue.ArchiveAsync(message, Run(JobOutcome.Archived, ex.Message), CancellationToken.None));
            QueueLog.Rejected(logger, job.Queue, key?.Symbol, key?.Timeframe, clock.ElapsedMilliseconds, depth, message.MsgId, ex.Message);
        }
        catch (OperationCanceledException) when (jobsToken.IsCancellationRequested)
        {
            await BookAsync(() =>
                queue.RetryLaterAsync(message, Run(JobOutcome.Retrying, "released at shutdown"), 0, CancellationToken.None));
            QueueLog.Released(logger, job.Queue, key?.Symbol, key?.Timeframe, message.MsgId, clock.ElapsedMilliseconds, depth);
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            if (message.ReadCount >= _options.MaxAttempts)
            {
                await BookAsync(() => queue.ArchiveAsync(message, Run(JobOutcome.Failed, ex.Message), CancellationToken.None));
                QueueLog.GaveUp(logger, ex, job.Queue, key?.Symbol, key?.Timeframe, clock.ElapsedMilliseconds, message.ReadCount,
                    _options.MaxAttempts, depth, message.MsgId);
            }
            else
            {
                await BookAsync(() => queue.RetryLaterAsync(
                    message, Run(JobOutcome.Retrying, ex.Message), _options.RetryDelaySeconds, CancellationToken.None));
                QueueLog.Retrying(logger, ex, job.Queue, key?.Symbol, key?.Timeframe, clock.ElapsedMilliseconds, message.ReadCount,
                    _options.MaxAttempts, depth, _options.RetryDelaySeconds);
            }
        }
    }

    /// <summary>
    /// Bookkeeping that fails (B restarting) is logged and left: the message becomes visible again when its
    /// visibility timeout ends, and the next delivery does the job and the record.
    /// </summary>
    private async Task BookAsync(Func<Task> bookkeeping)
    {
        try
        {
            await bookkeeping();
        }
        catch (Exception ex)
        {
            QueueLog.DatabaseUnavailable(logger, ex, job.Queue, _options.VisibilityTimeoutSeconds * 1000L);
        }
    }
}
