using Npgsql;
using NpgsqlTypes;

namespace Zmarty.Worker.Relay;

/// <summary>One outbox row claimed for delivery.</summary>
/// <param name="Attempts">Delivery attempts made before this one.</param>
internal sealed record OutboxEvent(long Id, Guid EventId, string Payload, int Attempts, DateTimeOffset CreatedAt);

/// <summary>A finished delivery attempt: success, or the error and when to try again.</summary>
internal sealed record DeliveryOutcome(OutboxEvent Event, bool Delivered, string? Error = null, TimeSpan RetryAfter = default);

/// <summary>The SQL of A's <c>user_symbols_outbox</c> the relay runs (docs/database.md, "Outbox").</summary>
internal static class OutboxStore
{
    /// <summary>
    /// The next due events, each the oldest undelivered event of every key it touches. A key is
    /// <c>(user_id, symbol, timeframe)</c>; an update that moves a row touches two (its record's and
    /// its old_record's). An event whose key has an older undelivered one waits for it, even when
    /// that one is backing off or is being delivered by another lane or relay (its row lock is
    /// skipped, its row still counts as undelivered), so no two events of a key are ever in flight
    /// at once or delivered out of order. The claimed rows stay locked until the caller's
    /// transaction ends: a relay that dies mid-batch leaves them undelivered for the next claim.
    /// </summary>
    /// <remarks>
    /// The plan must not depend on the statistics, because they are stale exactly when it matters: the
    /// last analyze saw a drained outbox, and thousands of events have come in since. Written as
    /// <c>not exists</c>, the key checks became anti-joins that the planner, expecting a handful of
    /// undelivered rows, ran as a rescan of every undelivered row per candidate (9 s a claim with
    /// 10,000 waiting; docs/benchmarks.md, "The claim's plan"). Here each check is a subquery run only
    /// for the candidates the ordered scan reaches, one per key column and key (<c>offset 0</c>
    /// computes a candidate's keys once), and <see cref="NoSortSql"/> runs first in the same round
    /// trip: with sorting off, every order must come from an index, so the outer scan walks
    /// <c>user_symbols_outbox_pending_idx</c> and stops at the limit, and each check probes its key's
    /// index, the only one in the order it asks for (the primary key's order alone would let it walk
    /// every older row, delivered ones too). <c>is not true</c> is estimated to keep most
    /// rows (<c>is null</c> would be estimated to keep almost none, and sorting all due events would
    /// look cheaper).
    /// </remarks>
    private const string ClaimSql = """
        select o.id, o.event_id, o.payload::text, o.attempts, o.created_at
        from public.user_symbols_outbox o
        cross join lateral (
          select public.user_symbols_outbox_key(o.payload) as key, public.user_symbols_outbox_moved_from(o.payload) as moved_from
          offset 0
        ) e
        where o.delivered_at is null and o.next_attempt_at <= now()
          and (select true from public.user_symbols_outbox p
               where p.delivered_at is null and public.user_symbols_outbox_key(p.payload) = e.key and p.id < o.id
               order by public.user_symbols_outbox_key(p.payload), p.id limit 1) is not true
          and (select true from public.user_symbols_outbox p
               where p.delivered_at is null and public.user_symbols_outbox_key(p.payload) = e.moved_from and p.id < o.id
               order by public.user_symbols_outbox_key(p.payload), p.id limit 1) is not true
          and (select true from public.user_symbols_outbox p
               where p.delivered_at is null and public.user_symbols_outbox_moved_from(p.payload) is not null
                 and public.user_symbols_outbox_moved_from(p.payload) = e.key and p.id < o.id
               order by public.user_symbols_outbox_moved_from(p.payload), p.id limit 1) is not true
          and (select true from public.user_symbols_outbox p
               where p.delivered_at is null and public.user_symbols_outbox_moved_from(p.payload) is not null
                 and public.user_symbols_outbox_moved_from(p.payload) = e.moved_from and p.id < o.id
               order by public.user_symbols_outbox_moved_from(p.payload), p.id limit 1) is not true
        order by o.next_attempt_at, o.id
        limit $1
        for update of o skip locked
        """;

    /// <summary>For the claim's transaction only (see <see cref="ClaimSql"/>); a select, so that it can be prepared with it.</summary>
    private const string NoSortSql = "select set_config('enable_sort', 'off', true)";

    public static async Task<List<OutboxEvent>> ClaimAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int limit, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands = { new(NoSortSql), new(ClaimSql) { Parameters = { new NpgsqlParameter<int> { TypedValue = limit } } } },
        };
        // Prepared once per physical connection (Npgsql keeps it across the pool): the claim is planned once, not per batch.
        // Planning happens at the claim's first execution, after the setting, which every claim's transaction makes first.
        await batch.PrepareAsync(cancellationToken);
        var events = new List<OutboxEvent>(limit);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt32(3), reader.GetFieldValue<DateTimeOffset>(4)));
        }

        return events;
    }

    /// <summary>Records every outcome of a batch in one statement: delivered, or the error and the next attempt's time.</summary>
    public static async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<DeliveryOutcome> outcomes)
    {
        await using var command = new NpgsqlCommand("""
            update public.user_symbols_outbox o
            set attempts = o.attempts + 1,
                delivered_at = case when r.delivered then now() end,
                last_error = case when r.delivered then o.last_error else r.error end,
                next_attempt_at = case when r.delivered then o.next_attempt_at else now() + r.retry_after end
            from unnest($1::bigint[], $2::boolean[], $3::text[], $4::interval[]) as r (id, delivered, error, retry_after)
            where o.id = r.id
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. outcomes.Select(o => o.Event.Id)] });
        command.Parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = [.. outcomes.Select(o => o.Delivered)] });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. outcomes.Select(o => o.Error)] });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan[]> { TypedValue = [.. outcomes.Select(o => o.RetryAfter)] });
        await command.PrepareAsync(CancellationToken.None);
        // Not cancellable: a batch that was delivered is recorded even while the relay stops.
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }

    /// <summary>How many events wait for delivery and how old the oldest is.</summary>
    public static async Task<(long Pending, TimeSpan OldestAge)> PendingAsync(NpgsqlDataSource chat, CancellationToken cancellationToken)
    {
        await using var command = chat.CreateCommand("""
            select count(*), coalesce(now() - min(created_at), interval '0')
            from public.user_symbols_outbox
            where delivered_at is null
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetFieldValue<TimeSpan>(1));
    }

    /// <summary>Deletes delivered events older than <paramref name="retention"/>, a chunk per statement; returns how many.</summary>
    public static async Task<long> PruneAsync(NpgsqlDataSource chat, TimeSpan retention, CancellationToken cancellationToken)
    {
        const int Chunk = 5000;
        await using var command = chat.CreateCommand("""
            delete from public.user_symbols_outbox o
            using (
              select id from public.user_symbols_outbox
              where delivered_at < now() - $1
              order by id
              limit $2
            ) doomed
            where o.id = doomed.id
            """);
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = retention, NpgsqlDbType = NpgsqlDbType.Interval });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Chunk });
        long total = 0;
        int deleted;
        do
        {
            deleted = await command.ExecuteNonQueryAsync(cancellationToken);
            total += deleted;
        }
        while (deleted == Chunk);

        return total;
    }
}
