using Npgsql;

namespace Zmarty.AdminUi.Data;

/// <summary>A queue as the Queues page shows it: pgmq's metrics, the archive's size, and the rate and history the poll keeps.</summary>
public sealed record QueueStatus(
    string Name,
    long Depth,
    long VisibleDepth,
    int? OldestAgeSeconds,
    long TotalSent,
    long Archived,
    double? ProcessedPerMinute,
    IReadOnlyList<DepthSample> History);

/// <summary>A message that ran out of attempts, with the last error a consumer recorded for it.</summary>
public sealed record ArchivedMessage(
    long MsgId, int ReadCount, DateTimeOffset EnqueuedAt, DateTimeOffset ArchivedAt, string Message, string? Error);

public sealed record QueuesSnapshot(IReadOnlyList<QueueStatus> Queues, IReadOnlyDictionary<string, IReadOnlyList<ArchivedMessage>> Archived);

/// <summary>Reads the pgmq queues of Supabase B through the ops functions, and requeues or purges archived messages.</summary>
public sealed class QueuesData(NpgsqlDataSource trading, DepthHistory history, TimeProvider time)
{
    /// <summary>Archived messages shown per queue.</summary>
    public const int ArchivedShown = 20;

    public async Task<QueuesSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await trading.OpenConnectionAsync(cancellationToken);
        var archivedCounts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var counts = new NpgsqlCommand("select queue_name, archived from ops.archive_counts()", connection))
        await using (var reader = await counts.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                archivedCounts[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        var now = time.GetUtcNow();
        var queues = new List<QueueStatus>();
        await using (var metrics = new NpgsqlCommand(
            "select queue_name, queue_length, queue_visible_length, oldest_msg_age_sec, total_messages " +
            "from ops.queue_metrics() order by queue_name", connection))
        await using (var reader = await metrics.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var name = reader.GetString(0);
                var depth = reader.GetInt64(1);
                var total = reader.GetInt64(4);
                history.Add(name, new DepthSample(now, depth, total));
                var samples = history.Of(name);
                queues.Add(new QueueStatus(
                    name,
                    depth,
                    reader.GetInt64(2),
                    reader.IsDBNull(3) ? null : reader.GetInt32(3),
                    total,
                    archivedCounts.GetValueOrDefault(name),
                    DepthHistory.ProcessedPerMinute(samples),
                    samples));
            }
        }

        var archived = new Dictionary<string, IReadOnlyList<ArchivedMessage>>(StringComparer.Ordinal);
        foreach (var queue in queues.Where(q => q.Archived > 0))
        {
            archived[queue.Name] = await ReadArchivedAsync(connection, queue.Name, cancellationToken);
        }

        return new QueuesSnapshot(queues, archived);
    }

    private static async Task<IReadOnlyList<ArchivedMessage>> ReadArchivedAsync(
        NpgsqlConnection connection, string queue, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "select msg_id, read_ct, enqueued_at, archived_at, message::text, error from ops.archived_messages($1, $2)",
            connection);
        command.Parameters.Add(new() { Value = queue });
        command.Parameters.Add(new() { Value = ArchivedShown });
        var messages = new List<ArchivedMessage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            messages.Add(new ArchivedMessage(
                reader.GetInt64(0),
                reader.GetInt32(1),
                reader.GetFieldValue<DateTimeOffset>(2),
                reader.GetFieldValue<DateTimeOffset>(3),
                reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        return messages;
    }

    /// <summary>Sends the archived messages back to their queue; returns how many went back.</summary>
    public Task<int> RequeueAsync(string queue, IReadOnlyList<long> msgIds, CancellationToken cancellationToken) =>
        ScalarAsync<int>("select ops.requeue_archived($1, $2)", queue, msgIds.ToArray(), cancellationToken);

    /// <summary>Deletes archived messages for good, or the whole archive when <paramref name="msgIds"/> is null.</summary>
    public Task<long> PurgeAsync(string queue, IReadOnlyList<long>? msgIds, CancellationToken cancellationToken) =>
        ScalarAsync<long>("select ops.purge_archived($1, $2)", queue, msgIds?.ToArray(), cancellationToken);

    private async Task<T> ScalarAsync<T>(string sql, string queue, long[]? ids, CancellationToken cancellationToken)
    {
        await using var command = trading.CreateCommand(sql);
        command.Parameters.Add(new() { Value = queue });
        command.Parameters.Add(new()
        {
            Value = (object?)ids ?? DBNull.Value,
            NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Bigint,
        });
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
