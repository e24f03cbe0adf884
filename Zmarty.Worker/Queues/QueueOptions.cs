using Microsoft.Extensions.Options;

namespace Zmarty.Worker.Queues;

/// <summary>How each queue consumer reads and retries (section <c>Queues</c>); the same for the three queues.</summary>
public sealed class QueueOptions
{
    public const string SectionName = "Queues";

    /// <summary>Messages one consumer works on at once.</summary>
    public int Concurrency { get; set; } = 8;

    /// <summary>Messages asked for per <c>pgmq.read</c>, at most the free slots: single reads run at a fraction of the batch rate.</summary>
    public int BatchSize { get; set; } = 10;

    /// <summary>How long a read message stays invisible to other consumers; a job is cut off before it ends.</summary>
    public int VisibilityTimeoutSeconds { get; set; } = 30;

    /// <summary>Deliveries before a failing message is archived (its <c>read_ct</c>).</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>How long a failed message waits before its next attempt.</summary>
    public int RetryDelaySeconds { get; set; } = 5;

    /// <summary>Wait between reads of an empty queue.</summary>
    public int PollIntervalMilliseconds { get; set; } = 500;

    /// <summary>At shutdown, how long jobs in flight may still finish before they are cancelled and their messages released.</summary>
    public int ShutdownGraceSeconds { get; set; } = 10;
}

public sealed class QueueOptionsValidator : IValidateOptions<QueueOptions>
{
    /// <summary>A job is cut off this long before its message becomes visible again, to commit or release it in time.</summary>
    public const int CommitMarginSeconds = 2;

    public ValidateOptionsResult Validate(string? name, QueueOptions options)
    {
        List<string> failures = [];
        void AtLeast(int value, int minimum, string key)
        {
            if (value < minimum)
            {
                failures.Add($"{QueueOptions.SectionName}:{key} is {value}; it must be at least {minimum}.");
            }
        }

        AtLeast(options.Concurrency, 1, nameof(options.Concurrency));
        AtLeast(options.BatchSize, 1, nameof(options.BatchSize));
        AtLeast(options.VisibilityTimeoutSeconds, CommitMarginSeconds + 1, nameof(options.VisibilityTimeoutSeconds));
        AtLeast(options.MaxAttempts, 1, nameof(options.MaxAttempts));
        AtLeast(options.RetryDelaySeconds, 0, nameof(options.RetryDelaySeconds));
        AtLeast(options.PollIntervalMilliseconds, 10, nameof(options.PollIntervalMilliseconds));
        AtLeast(options.ShutdownGraceSeconds, 0, nameof(options.ShutdownGraceSeconds));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
