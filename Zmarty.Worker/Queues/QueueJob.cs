using System.Text.Json;
using Npgsql;

namespace Zmarty.Worker.Queues;

/// <summary>A message as <c>pgmq.read</c> gives it.</summary>
public sealed record QueueMessage(long MsgId, int ReadCount, DateTimeOffset EnqueuedAt, JsonElement Body, JsonElement? Headers);

/// <summary>What every job message names: the pair it is about (logged and recorded in <c>ops.job_runs</c>).</summary>
public sealed record JobKey(string Symbol, string Timeframe)
{
    /// <exception cref="JobRejectedException">The message has no symbol or timeframe.</exception>
    public static JobKey From(JsonElement body) =>
        body.ValueKind == JsonValueKind.Object
        && body.TryGetProperty("symbol", out var symbol) && symbol.GetString() is { Length: > 0 } s
        && body.TryGetProperty("timeframe", out var timeframe) && timeframe.GetString() is { Length: > 0 } t
            ? new JobKey(s, t)
            : throw new JobRejectedException($"the message {body.GetRawText()} has no symbol and timeframe");
}

/// <summary>The writes of a job that succeeded, committed in the transaction that deletes its message and records the run.</summary>
public delegate Task JobWrite(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken);

/// <summary>
/// The work behind one queue. <see cref="RunAsync"/> reads and fetches what it needs and returns its writes; the
/// consumer commits them with the message's deletion, so a job either happened once or not at all.
/// </summary>
public interface IQueueJob
{
    string Queue { get; }

    /// <exception cref="JobRejectedException">Running again cannot succeed: the message is archived without retries.</exception>
    Task<JobWrite> RunAsync(QueueMessage message, JobKey key, CancellationToken cancellationToken);
}

/// <summary>A job that cannot succeed however often it runs (a malformed message, data that is not there).</summary>
public sealed class JobRejectedException(string message, Exception? inner = null) : Exception(message, inner);
