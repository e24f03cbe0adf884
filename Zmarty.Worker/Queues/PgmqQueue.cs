using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Zmarty.Worker.Queues;

/// <summary>How a delivery ended, as <c>ops.job_runs.outcome</c> records it.</summary>
public enum JobOutcome
{
    Succeeded,

    /// <summary>Failed, and will be delivered again after the retry delay.</summary>
    Retrying,

    /// <summary>Failed on its last attempt: archived.</summary>
    Failed,

    /// <summary>Rejected (nothing to retry): archived at once with the reason.</summary>
    Archived,
}

/// <summary>One record of <c>ops.job_runs</c>.</summary>
public sealed record JobRun(JobKey? Key, DateTimeOffset StartedAt, TimeSpan Duration, JobOutcome Outcome, string? Error);

/// <summary>One pgmq queue in B, through the pgmq API, with the job bookkeeping in <c>ops.job_runs</c>.</summary>
public sealed class PgmqQueue(NpgsqlDataSource dataSource, string queue)
{
    private const string InsertRun = """
        insert into ops.job_runs (queue, msg_id, attempt, job, symbol, timeframe, started_at, duration_ms, outcome, error)
        values (@queue, @msg_id, @attempt, @queue, @symbol, @timeframe, @started_at, @duration_ms, @outcome, @error)
        on conflict (queue, msg_id, attempt) do nothing
        """;

    public string Name => queue;

    /// <summary>Up to <paramref name="quantity"/> messages, invisible to other readers for <paramref name="visibilitySeconds"/>.</summary>
    public async Task<List<QueueMessage>> ReadAsync(int visibilitySeconds, int quantity, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select msg_id, read_ct, enqueued_at, message, headers from pgmq.read($1, $2, $3)");
        command.Parameters.Add(new() { Value = queue });
        command.Parameters.Add(new() { Value = visibilitySeconds });
        command.Parameters.Add(new() { Value = quantity });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        List<QueueMessage> messages = [];
        while (await reader.ReadAsync(cancellationToken))
        {
            messages.Add(new QueueMessage(
                reader.GetInt64(0),
                reader.GetInt32(1),
                reader.GetFieldValue<DateTimeOffset>(2),
                JsonDocument.Parse(reader.GetString(3)).RootElement,
                reader.IsDBNull(4) ? null : JsonDocument.Parse(reader.GetString(4)).RootElement));
        }

        return messages;
    }

    /// <summary>Messages waiting (visible or not), for the logs' queue_depth.</summary>
    public async Task<long> DepthAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select queue_length from pgmq.metrics($1)");
        command.Parameters.Add(new() { Value = queue });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Commits the job's writes, deletes the message and records the run, in one transaction. The delete names the
    /// delivery (<c>read_ct</c>): if the message was delivered again meanwhile, nothing is committed and false is returned.
    /// </summary>
    public async Task<bool> CompleteAsync(QueueMessage message, JobWrite write, JobRun run, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await write(connection, transaction, cancellationToken);

        // The queue name is one of the three we declare (IQueueJob.Queue), never outside input.
        await using var delete = new NpgsqlCommand($"delete from pgmq.q_{queue} where msg_id = $1 and read_ct = $2", connection, transaction);
        delete.Parameters.Add(new() { Value = message.MsgId });
        delete.Parameters.Add(new() { Value = message.ReadCount });
        if (await delete.ExecuteNonQueryAsync(cancellationToken) != 1)
        {
            await transaction.RollbackAsync(cancellationToken);
            return false;
        }

        await RecordAsync(connection, transaction, message, run, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Records the failed run and makes the message visible again after <paramref name="delaySeconds"/>.</summary>
    public async Task RetryLaterAsync(QueueMessage message, JobRun run, int delaySeconds, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var setVt = new NpgsqlCommand("select pgmq.set_vt($1, $2, $3)", connection, transaction);
        setVt.Parameters.Add(new() { Value = queue });
        setVt.Parameters.Add(new() { Value = message.MsgId });
        setVt.Parameters.Add(new() { Value = delaySeconds });
        await setVt.ExecuteNonQueryAsync(cancellationToken);
        await RecordAsync(connection, transaction, message, run, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Archives the message and records why.</summary>
    public async Task ArchiveAsync(QueueMessage message, JobRun run, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var archive = new NpgsqlCommand("select pgmq.archive($1, $2)", connection, transaction);
        archive.Parameters.Add(new() { Value = queue });
        archive.Parameters.Add(new() { Value = message.MsgId });
        await archive.ExecuteNonQueryAsync(cancellationToken);
        await RecordAsync(connection, transaction, message, run, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Sends <paramref name="body"/> to <paramref name="target"/> in the caller's transaction, with <paramref name="headers"/> (trace context).</summary>
    public static async Task SendAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string target, object body, IReadOnlyDictionary<string, string> headers, CancellationToken cancellationToken)
    {
        await using var send = new NpgsqlCommand("select pgmq.send($1, $2, $3)", connection, transaction);
        send.Parameters.Add(new() { Value = target });
        send.Parameters.Add(new() { Value = JsonSerializer.Serialize(body), NpgsqlDbType = NpgsqlDbType.Jsonb });
        send.Parameters.Add(new() { Value = JsonSerializer.Serialize(headers), NpgsqlDbType = NpgsqlDbType.Jsonb });
        await send.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, QueueMessage message, JobRun run, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand(InsertRun, connection, transaction);
        insert.Parameters.AddWithValue("queue", queue);
        insert.Parameters.AddWithValue("msg_id", message.MsgId);
        insert.Parameters.AddWithValue("attempt", Math.Max(1, message.ReadCount));
        insert.Parameters.AddWithValue("symbol", (object?)run.Key?.Symbol ?? DBNull.Value);
        insert.Parameters.AddWithValue("timeframe", (object?)run.Key?.Timeframe ?? DBNull.Value);
        insert.Parameters.AddWithValue("started_at", run.StartedAt);
        insert.Parameters.AddWithValue("duration_ms", (int)Math.Min(int.MaxValue, run.Duration.TotalMilliseconds));
        insert.Parameters.AddWithValue("outcome", run.Outcome.ToString().ToLowerInvariant());
        insert.Parameters.AddWithValue("error", (object?)Truncate(run.Error) ?? DBNull.Value);
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string? Truncate(string? error) => error is { Length: > 2000 } ? error[..2000] : error;
}
