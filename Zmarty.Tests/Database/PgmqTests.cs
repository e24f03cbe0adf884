using System.Collections.Concurrent;
using Npgsql;

namespace Zmarty.Tests.Database;

/// <summary>
/// The local pgmq implementation, against pgmq's documented behaviour. Each test uses a queue of
/// its own on Supabase B.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class PgmqTests(DatabaseFixture db)
{
    private async Task<string> NewQueueAsync()
    {
        var queue = "t_" + Guid.NewGuid().ToString("N")[..12];
        await Sql.ExecuteAsync(db.Trading, "select pgmq.create($1)", queue);
        return queue;
    }

    private sealed record Message(long MsgId, int ReadCt, DateTime EnqueuedAt, DateTime Vt, string Body, string? Headers);

    private static async Task<List<Message>> ReadMessagesAsync(NpgsqlCommand command)
    {
        var messages = new List<Message>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            messages.Add(new(
                reader.GetInt64(0), reader.GetInt32(1), reader.GetDateTime(2), reader.GetDateTime(3),
                reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        return messages;
    }

    private async Task<List<Message>> QueryAsync(string sql, params object?[] args)
    {
        await using var command = Sql.Command(db.Trading, sql, args);
        return await ReadMessagesAsync(command);
    }

    private Task<List<Message>> ReadAsync(string queue, int vt, int qty) =>
        QueryAsync("select msg_id, read_ct, enqueued_at, vt, message::text, headers::text from pgmq.read($1, $2, $3)", queue, vt, qty);

    /// <summary>The signatures real pgmq has; a client calling any of them must find it here.</summary>
    public static TheoryData<string, string> Signatures => new()
    {
        { "create(queue_name text)", "void" },
        { "create_non_partitioned(queue_name text)", "void" },
        { "create_unlogged(queue_name text)", "void" },
        { "drop_queue(queue_name text)", "boolean" },
        { "list_queues()", "SETOF pgmq.queue_record" },
        { "send(queue_name text, msg jsonb)", "SETOF bigint" },
        { "send(queue_name text, msg jsonb, delay integer)", "SETOF bigint" },
        { "send(queue_name text, msg jsonb, headers jsonb, delay integer)", "SETOF bigint" },
        { "send_batch(queue_name text, msgs jsonb[])", "SETOF bigint" },
        { "send_batch(queue_name text, msgs jsonb[], delay integer)", "SETOF bigint" },
        { "read(queue_name text, vt integer, qty integer, conditional jsonb DEFAULT '{}'::jsonb)", "SETOF pgmq.message_record" },
        {
            "read_with_poll(queue_name text, vt integer, qty integer, max_poll_seconds integer DEFAULT 5, poll_interval_ms integer DEFAULT 100, conditional jsonb DEFAULT '{}'::jsonb)",
            "SETOF pgmq.message_record"
        },
        { "pop(queue_name text)", "SETOF pgmq.message_record" },
        { "archive(queue_name text, msg_id bigint)", "boolean" },
        { "archive(queue_name text, msg_ids bigint[])", "SETOF bigint" },
        { "delete(queue_name text, msg_id bigint)", "boolean" },
        { "delete(queue_name text, msg_ids bigint[])", "SETOF bigint" },
        { "set_vt(queue_name text, msg_id bigint, vt integer)", "SETOF pgmq.message_record" },
        { "purge_queue(queue_name text)", "bigint" },
        { "metrics(queue_name text)", "pgmq.metrics_result" },
        { "metrics_all()", "SETOF pgmq.metrics_result" },
    };

    [Theory]
    [MemberData(nameof(Signatures))]
    public async Task Functions_have_the_signatures_of_real_pgmq(string signature, string returns)
    {
        var name = signature[..signature.IndexOf('(', StringComparison.Ordinal)];
        var found = await Sql.ColumnAsync<string>(db.Trading,
            "select p.proname || '(' || pg_get_function_arguments(p.oid) || ')' || ' -> ' || pg_get_function_result(p.oid) " +
            "from pg_proc p where p.pronamespace = 'pgmq'::regnamespace and p.proname = $1", name);
        Assert.Contains($"{signature} -> {returns}", found);
    }

    [Fact]
    public async Task Types_and_tables_have_the_pgmq_layout()
    {
        var queue = await NewQueueAsync();
        static string Columns(string relation) =>
            $"select string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' order by attnum) from pg_attribute " +
            $"where attrelid = '{relation}'::regclass and attnum > 0 and not attisdropped";
        Assert.Equal("msg_id bigint, read_ct integer, enqueued_at timestamp with time zone, vt timestamp with time zone, message jsonb, headers jsonb",
            await Sql.ScalarAsync<string>(db.Trading, Columns("pgmq.message_record")));
        Assert.Equal("queue_name character varying, is_partitioned boolean, is_unlogged boolean, created_at timestamp with time zone",
            await Sql.ScalarAsync<string>(db.Trading, Columns("pgmq.meta")));
        Assert.Equal("queue_name text, queue_length bigint, newest_msg_age_sec integer, oldest_msg_age_sec integer, total_messages bigint, scrape_time timestamp with time zone, queue_visible_length bigint",
            await Sql.ScalarAsync<string>(db.Trading, Columns("pgmq.metrics_result")));
        Assert.Equal("msg_id bigint, read_ct integer, enqueued_at timestamp with time zone, vt timestamp with time zone, message jsonb, headers jsonb",
            await Sql.ScalarAsync<string>(db.Trading, Columns($"pgmq.q_{queue}")));
        Assert.Equal("msg_id bigint, read_ct integer, enqueued_at timestamp with time zone, archived_at timestamp with time zone, vt timestamp with time zone, message jsonb, headers jsonb",
            await Sql.ScalarAsync<string>(db.Trading, Columns($"pgmq.a_{queue}")));

        Assert.Contains(queue, await Sql.ColumnAsync<string>(db.Trading, "select queue_name from pgmq.list_queues()"));
        Assert.False(await Sql.ScalarAsync<bool>(db.Trading, "select is_unlogged from pgmq.list_queues() where queue_name = $1", queue));
        // create is idempotent.
        await Sql.ExecuteAsync(db.Trading, "select pgmq.create($1)", queue);
        Assert.Equal(1L, await Sql.ScalarAsync<long>(db.Trading, "select count(*) from pgmq.meta where queue_name = $1", queue));
    }

    [Fact]
    public async Task The_trading_queues_exist()
    {
        var queues = await Sql.ColumnAsync<string>(db.Trading, "select queue_name from pgmq.list_queues()");
        Assert.Contains("ingest_indicators", queues);
        Assert.Contains("compute_signals", queues);
        Assert.Contains("compute_winrate", queues);
    }

    private const string InvalidCharacters = "queue name contains invalid characters: $, ;, --, or '";

    /// <summary>What real pgmq (1.5) refuses, with its messages; every other name is quoted.</summary>
    [Theory]
    [InlineData("bad; drop table x", InvalidCharacters)]
    [InlineData("a--b", InvalidCharacters)]
    [InlineData("o'clock", InvalidCharacters)]
    [InlineData("price$", InvalidCharacters)]
    [InlineData("a23456789012345678901234567890123456789012345678", "queue name is too long, maximum length is 47 characters")]
    public async Task Names_real_pgmq_refuses_are_refused_before_reaching_sql(string queue, string message)
    {
        var ex = await Sql.ThrowsAsync("P0001", () => Sql.ExecuteAsync(db.Trading, "select pgmq.create($1)", queue));
        Assert.Equal(message, ex.MessageText);
        if (message == InvalidCharacters)
        {
            await Sql.ThrowsAsync("P0001", () => Sql.ExecuteAsync(db.Trading, "select pgmq.send($1, '{}'::jsonb)", queue));
        }
    }

    /// <summary>The review: `orders-v2` worked on Supabase and failed here.</summary>
    [Theory]
    [InlineData("orders-v2")]
    [InlineData("Orders V2.eu")]
    [InlineData("q\"x")]
    [InlineData("ünïcode")]
    [InlineData("at_47_characters_with_the_suffix______")]
    public async Task Names_real_pgmq_accepts_work_here_quoted(string name)
    {
        var queue = $"{name}-{Guid.NewGuid().ToString("N")[..8]}";
        await Sql.ExecuteAsync(db.Trading, "select pgmq.create($1)", queue);
        Assert.NotNull(await Sql.ScalarAsync<object?>(db.Trading,
            "select to_regclass(format('pgmq.%I', 'q_' || lower($1)))::text", queue) as string);
        var id = await Sql.ScalarAsync<long>(db.Trading, "select * from pgmq.send($1, '{\"n\": 1}'::jsonb)", queue);
        Assert.Equal([id], (await ReadAsync(queue, 30, 10)).Select(m => m.MsgId));
        Assert.True(await Sql.ScalarAsync<bool>(db.Trading, "select pgmq.archive($1, $2::bigint)", queue, id));
        Assert.Equal(1L, await Sql.ScalarAsync<long>(db.Trading, "select total_messages from pgmq.metrics($1)", queue));
        Assert.True(await Sql.ScalarAsync<bool>(db.Trading, "select pgmq.drop_queue($1)", queue));
    }

    [Fact]
    public async Task The_service_role_creates_uses_and_drops_a_queue_through_ops()
    {
        var queue = $"svc-{Guid.NewGuid().ToString("N")[..8]}";
        await Sql.AsRoleAsync(db.Trading, "service_role", null, async connection =>
        {
            // pgmq.create needs the rights of the pgmq objects' owner, here as on Supabase.
            await Sql.FailsAsync(connection, "42501", "select pgmq.create($1)", queue);
            await Sql.ExecuteAsync(connection, "select ops.create_queue($1)", queue);
            var id = await Sql.ScalarAsync<long>(connection, "select * from pgmq.send($1, '{}'::jsonb)", queue);
            Assert.Equal(id, await Sql.ScalarAsync<long>(connection, "select msg_id from pgmq.read($1, 30, 1)", queue));
            Assert.True(await Sql.ScalarAsync<bool>(connection, "select pgmq.archive($1, $2::bigint)", queue, id));
            Assert.Equal(1L, await Sql.ScalarAsync<long>(connection,
                "select total_messages from ops.queue_metrics() where queue_name = $1", queue));
            Assert.True(await Sql.ScalarAsync<bool>(connection, "select ops.drop_queue($1)", queue));
        });
        await Sql.AsRoleAsync(db.Trading, "authenticated", Guid.NewGuid(), async connection =>
            await Sql.FailsAsync(connection, "42501", "select ops.create_queue($1)", queue));
    }

    [Fact]
    public async Task A_meta_row_left_without_its_tables_breaks_neither_metrics_nor_prune()
    {
        // The review: pgmq.create('MyQ'); pgmq.drop_queue('myq') drops the tables and keeps the
        // meta row, as real pgmq does, after which metrics_all and the prune job failed.
        var queue = $"Orphan_{Guid.NewGuid().ToString("N")[..8].ToUpperInvariant()}";
        await Sql.ExecuteAsync(db.Trading, "select pgmq.create($1)", queue);
        try
        {
            Assert.True(await Sql.ScalarAsync<bool>(db.Trading, "select pgmq.drop_queue($1)", queue.ToLowerInvariant()));
            Assert.Equal(1L, await Sql.ScalarAsync<long>(db.Trading, "select count(*) from pgmq.meta where queue_name = $1", queue));
            await Sql.ThrowsAsync("42P01", () => Sql.ExecuteAsync(db.Trading, "select * from pgmq.metrics_all()"));

            var live = await Sql.ColumnAsync<string>(db.Trading, "select queue_name from ops.queue_metrics()");
            Assert.DoesNotContain(queue, live);
            Assert.Contains("compute_signals", live);
            Assert.Equal(
                await Sql.ScalarAsync<long>(db.Trading, "select count(*) from ops.retention"),
                await Sql.ScalarAsync<long>(db.Trading, "select count(*) from ops.prune()"));
        }
        finally
        {
            await Sql.ExecuteAsync(db.Trading, "delete from pgmq.meta where queue_name = $1", queue);
        }
    }

    [Fact]
    public async Task Queue_names_are_case_insensitive_and_kept_as_given()
    {
        var queue = "Mixed_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        await Sql.ExecuteAsync(db.Trading, "select pgmq.create($1)", queue);
        Assert.Equal(queue, await Sql.ScalarAsync<string>(db.Trading,
            "select queue_name from pgmq.list_queues() where queue_name = $1", queue));
        Assert.NotNull(await Sql.ScalarAsync<object?>(db.Trading, "select to_regclass($1)::text", $"pgmq.q_{queue.ToLowerInvariant()}") as string);
        await Sql.ExecuteAsync(db.Trading, "select pgmq.send($1, '{}'::jsonb)", queue.ToLowerInvariant());
        Assert.Equal(1L, await Sql.ScalarAsync<long>(db.Trading, "select queue_length from pgmq.metrics($1)", queue));
        Assert.True(await Sql.ScalarAsync<bool>(db.Trading, "select pgmq.drop_queue($1)", queue));
        Assert.Empty(await Sql.ColumnAsync<string>(db.Trading, "select queue_name from pgmq.list_queues() where queue_name = $1", queue));
    }

    [Fact]
    public async Task Reading_an_unknown_queue_fails_and_an_empty_queue_returns_nothing()
    {
        await Sql.ThrowsAsync("42P01", () => Sql.ExecuteAsync(db.Trading, "select * from pgmq.read('no_such_queue', 30, 1)"));
        var queue = await NewQueueAsync();
        Assert.Empty(await ReadAsync(queue, 30, 10));
        Assert.Empty(await QueryAsync("select msg_id, read_ct, enqueued_at, vt, message::text, headers::text from pgmq.pop($1)", queue));
        Assert.Empty(await QueryAsync("select msg_id, read_ct, enqueued_at, vt, message::text, headers::text from pgmq.set_vt($1, 1, 10)", queue));
    }

    [Fact]
    public async Task Send_read_and_visibility_timeout()
    {
        var queue = await NewQueueAsync();
        var first = await Sql.ScalarAsync<long>(db.Trading, "select * from pgmq.send($1, '{\"n\":1}'::jsonb)", queue);
        var batch = await Sql.ColumnAsync<long>(db.Trading,
            "select * from pgmq.send_batch($1, array['{\"n\":2}', '{\"n\":3}']::jsonb[])", queue);
        Assert.Equal([first + 1, first + 2], batch);

        // A 2 s timeout: long enough that a slow, shared machine still reads twice within it.
        var read = await ReadAsync(queue, 2, 2);
        Assert.Equal([first, first + 1], read.Select(m => m.MsgId));
        Assert.All(read, m => Assert.Equal(1, m.ReadCt));
        Assert.All(read, m => Assert.True(m.Vt > m.EnqueuedAt.AddMilliseconds(1900)));
        Assert.Equal("""{"n": 1}""", read[0].Body);

        // Invisible within their timeout: only the third comes back now.
        Assert.Equal([first + 2], (await ReadAsync(queue, 2, 10)).Select(m => m.MsgId));
        Assert.Empty(await ReadAsync(queue, 2, 10));

        // After the timeout they reappear, read_ct + 1.
        await Task.Delay(TimeSpan.FromMilliseconds(2300));
        var again = await ReadAsync(queue, 30, 10);
        Assert.Equal([first, first + 1, first + 2], again.Select(m => m.MsgId));
        Assert.All(again, m => Assert.Equal(2, m.ReadCt));
    }

    [Fact]
    public async Task Delay_and_headers()
    {
        var queue = await NewQueueAsync();
        await Sql.ExecuteAsync(db.Trading, "select pgmq.send($1, '{\"late\":true}'::jsonb, 1)", queue);
        var withHeaders = await Sql.ScalarAsync<long>(db.Trading,
            "select * from pgmq.send($1, '{\"h\":1}'::jsonb, '{\"trace\":\"abc\"}'::jsonb, 0)", queue);
        await Sql.ExecuteAsync(db.Trading,
            "select pgmq.send_batch($1, array['{\"b\":1}','{\"b\":2}']::jsonb[], array['{\"k\":1}','{\"k\":2}']::jsonb[])", queue);

        var now = await ReadAsync(queue, 30, 10);
        Assert.Equal(3, now.Count);
        Assert.Equal("""{"trace": "abc"}""", now.Single(m => m.MsgId == withHeaders).Headers);
        Assert.Equal(["""{"k": 1}""", """{"k": 2}"""], now.Where(m => m.Body.Contains("\"b\"", StringComparison.Ordinal)).Select(m => m.Headers));

        await Task.Delay(TimeSpan.FromMilliseconds(1200));
        Assert.Equal("""{"late": true}""", Assert.Single(await ReadAsync(queue, 30, 10)).Body);
    }

    [Fact]
    public async Task Conditional_read_filters_on_the_message()
    {
        var queue = await NewQueueAsync();
        await Sql.ExecuteAsync(db.Trading,
            "select pgmq.send_batch($1, array['{\"symbol\":\"BTC/USDT\"}','{\"symbol\":\"ETH/USDT\"}']::jsonb[])", queue);
        var eth = await QueryAsync(
            "select msg_id, read_ct, enqueued_at, vt, message::text, headers::text from pgmq.read($1, 30, 10, '{\"symbol\":\"ETH/USDT\"}'::jsonb)", queue);
        Assert.Equal("""{"symbol": "ETH/USDT"}""", Assert.Single(eth).Body);
    }

    [Fact]
    public async Task Read_with_poll_waits_for_a_message_and_gives_up_after_max_poll_seconds()
    {
        var queue = await NewQueueAsync();
        var started = DateTime.UtcNow;
        Assert.Empty(await QueryAsync(
            "select msg_id, read_ct, enqueued_at, vt, message::text, headers::text from pgmq.read_with_poll($1, 30, 1, 1, 50)", queue));
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(950));

        var poll = QueryAsync(
            "select msg_id, read_ct, enqueued_at, vt, message::text, headers::text from pgmq.read_with_poll($1, 30, 5, 5, 50)", queue);
        await Task.Delay(300);
        var sent = await Sql.ScalarAsync<long>(db.Trading, "select * from pgmq.send($1, '{\"wake\":1}'::jsonb)", queue);
        var received = await poll;
        Assert.Equal(sent, Assert.Single(received).MsgId);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Pop_delete_set_vt_and_purge()
    {
        var queue = await NewQueueAsync();
        var ids = await Sql.ColumnAsync<long>(db.Trading,
            "select * from pgmq.send_batch($1, array['{\"i\":1}','{\"i\":2}','{\"i\":3}','{\"i\":4}','{\"i\":5}']::jsonb[])", queue);

        var popped = Assert.Single(await QueryAsync(
            "select msg_id, read_ct, enqueued_at, vt, message::text, headers::text from pgmq.pop($1)", queue));
        Assert.Equal(ids[0], popped.MsgId);
        Assert.False(await Sql.ScalarAsync<bool>(db.Trading, "select pgmq.delete($1, $2::bigint)", queue, ids[0]));

        Assert.True(await Sql.ScalarAsync<bool>(db.Trading, "select pgmq.delete($1, $2::bigint)", queue, ids[1]));
        Assert.Equal([ids[2]], await Sql.ColumnAsync<long>(db.Trading,
            "select * from pgmq.delete($1, $2::bigint[])", queue, new[] { ids[2], 999_999_999L }));

        // set_vt hides a message; set_vt 0 gives it back at once.
        var hidden = Assert.Single(await QueryAsync(
            "select msg_id, read_ct, enqueued_at, vt, message::text, headers::text from pgmq.set_vt($1, $2, 60)", queue, ids[3]));
        Assert.True(hidden.Vt > DateTime.UtcNow.AddSeconds(50));
        Assert.Equal([ids[4]], (await ReadAsync(queue, 60, 10)).Select(m => m.MsgId));
        await Sql.ExecuteAsync(db.Trading, "select pgmq.set_vt($1, $2, 0)", queue, ids[3]);
        Assert.Equal([ids[3]], (await ReadAsync(queue, 60, 10)).Select(m => m.MsgId));

        Assert.Equal(2L, await Sql.ScalarAsync<long>(db.Trading, "select pgmq.purge_queue($1)", queue));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(db.Trading, $"select count(*) from pgmq.q_{queue}"));
    }

    [Fact]
    public async Task Archive_moves_rows_to_the_archive_table()
    {
        var queue = await NewQueueAsync();
        var ids = await Sql.ColumnAsync<long>(db.Trading,
            "select * from pgmq.send_batch($1, array['{\"a\":1}','{\"a\":2}','{\"a\":3}']::jsonb[], array['{\"x\":1}'::jsonb, null, null])", queue);
        await ReadAsync(queue, 30, 1);

        Assert.True(await Sql.ScalarAsync<bool>(db.Trading, "select pgmq.archive($1, $2::bigint)", queue, ids[0]));
        Assert.False(await Sql.ScalarAsync<bool>(db.Trading, "select pgmq.archive($1, $2::bigint)", queue, ids[0]));
        Assert.Equal([ids[1], ids[2]], (await Sql.ColumnAsync<long>(db.Trading,
            "select * from pgmq.archive($1, $2::bigint[])", queue, new[] { ids[1], ids[2], -1L })).Order());

        Assert.Equal(0L, await Sql.ScalarAsync<long>(db.Trading, $"select count(*) from pgmq.q_{queue}"));
        await using var command = Sql.Command(db.Trading,
            $"select msg_id, read_ct, message::text, headers::text, archived_at from pgmq.a_{queue} order by msg_id");
        await using var reader = await command.ExecuteReaderAsync();
        var archived = new List<(long Id, int ReadCt, string Body, string? Headers)>();
        while (await reader.ReadAsync())
        {
            Assert.True(reader.GetDateTime(4) > DateTime.UtcNow.AddMinutes(-1));
            archived.Add((reader.GetInt64(0), reader.GetInt32(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        Assert.Equal([(ids[0], 1, """{"a": 1}""", """{"x": 1}"""), (ids[1], 0, """{"a": 2}""", null), (ids[2], 0, """{"a": 3}""", null)], archived);
    }

    [Fact]
    public async Task Metrics_count_what_is_in_the_queue()
    {
        var queue = await NewQueueAsync();
        await Sql.ExecuteAsync(db.Trading,
            "select pgmq.send_batch($1, array['{}','{}','{}','{}','{}']::jsonb[])", queue);
        await Sql.ExecuteAsync(db.Trading, "select pgmq.send($1, '{}'::jsonb, 60)", queue);
        var read = await ReadAsync(queue, 60, 2);
        await Sql.ExecuteAsync(db.Trading, "select pgmq.archive($1, $2::bigint)", queue, read[0].MsgId);
        await Task.Delay(1100);

        const string Metrics = "select queue_name, queue_length, queue_visible_length, total_messages, newest_msg_age_sec, oldest_msg_age_sec, scrape_time from ";
        async Task AssertMetricsAsync(string sql)
        {
            await using var command = Sql.Command(db.Trading, sql, queue);
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(queue, reader.GetString(0));
            Assert.Equal(5L, reader.GetInt64(1));        // 6 sent, 1 archived
            Assert.Equal(3L, reader.GetInt64(2));        // 1 read (hidden 60 s), 1 delayed 60 s
            Assert.Equal(6L, reader.GetInt64(3));        // every message ever sent
            Assert.InRange(reader.GetInt32(4), 1, 30);
            Assert.InRange(reader.GetInt32(5), 1, 30);
            Assert.True(reader.GetDateTime(6) > DateTime.UtcNow.AddMinutes(-1));
            Assert.False(await reader.ReadAsync());
        }

        await AssertMetricsAsync(Metrics + "pgmq.metrics($1)");
        await AssertMetricsAsync(Metrics + "pgmq.metrics_all() where queue_name = $1");

        await Sql.ExecuteAsync(db.Trading, "select pgmq.purge_queue($1)", queue);
        Assert.Equal(0L, await Sql.ScalarAsync<long>(db.Trading, "select queue_length from pgmq.metrics($1)", queue));
        Assert.Equal(6L, await Sql.ScalarAsync<long>(db.Trading, "select total_messages from pgmq.metrics($1)", queue));
    }

    [Fact]
    public async Task Drop_queue_removes_its_tables()
    {
        var queue = await NewQueueAsync();
        Assert.True(await Sql.ScalarAsync<bool>(db.Trading, "select pgmq.drop_queue($1)", queue));
        Assert.False(await Sql.ScalarAsync<bool>(db.Trading, "select pgmq.drop_queue($1)", queue));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(db.Trading, "select count(*) from pgmq.meta where queue_name = $1", queue));
        Assert.Null(await Sql.ScalarAsync<object?>(db.Trading, "select to_regclass($1)::text", $"pgmq.q_{queue}") as string);
        Assert.Null(await Sql.ScalarAsync<object?>(db.Trading, "select to_regclass($1)::text", $"pgmq.a_{queue}") as string);
    }

    [Fact]
    public async Task The_service_role_can_use_a_queue()
    {
        var queue = await NewQueueAsync();
        await Sql.AsRoleAsync(db.Trading, "service_role", null, async connection =>
        {
            var id = await Sql.ScalarAsync<long>(connection, "select * from pgmq.send($1, '{\"svc\":1}'::jsonb)", queue);
            Assert.Equal(id, await Sql.ScalarAsync<long>(connection, "select msg_id from pgmq.read($1, 30, 1)", queue));
            Assert.True(await Sql.ScalarAsync<bool>(connection, "select pgmq.archive($1, $2::bigint)", queue, id));
        });
        await Sql.AsRoleAsync(db.Trading, "authenticated", Guid.NewGuid(), async connection =>
            await Sql.FailsAsync(connection, "42501", "select * from pgmq.send($1, '{}'::jsonb)", queue));
    }

    [Fact]
    public async Task Eight_concurrent_readers_get_every_message_exactly_once()
    {
        const int Total = 10_000;
        var queue = await NewQueueAsync();
        await Sql.ExecuteAsync(db.Trading,
            "select pgmq.send_batch($1, array(select jsonb_build_object('i', i) from generate_series(1, $2) i))", queue, Total);

        var delivered = new ConcurrentDictionary<long, int>();
        var duplicates = 0;
        var readers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            await using var connection = await db.Trading.OpenConnectionAsync();
            while (true)
            {
                // A visibility timeout far longer than the test: no message may reach two readers.
                var ids = await Sql.ColumnAsync<long>(connection, "select msg_id from pgmq.read($1, 120, 25)", queue);
                if (ids.Count == 0)
                {
                    return;
                }

                foreach (var id in ids)
                {
                    if (!delivered.TryAdd(id, Environment.CurrentManagedThreadId))
                    {
                        Interlocked.Increment(ref duplicates);
                    }
                }

                await Sql.ExecuteAsync(connection, "select pgmq.archive($1, $2::bigint[])", queue, ids.ToArray());
            }
        })).ToList();
        await Task.WhenAll(readers);

        Assert.Equal(0, duplicates);
        Assert.Equal(Total, delivered.Count);
        Assert.Equal(0L, await Sql.ScalarAsync<long>(db.Trading, $"select count(*) from pgmq.q_{queue}"));
        Assert.Equal((long)Total, await Sql.ScalarAsync<long>(db.Trading, $"select count(*) from pgmq.a_{queue} where read_ct = 1"));
    }

    [Fact]
    public async Task Concurrent_readers_with_a_short_timeout_only_see_expired_messages_again()
    {
        var queue = await NewQueueAsync();
        await Sql.ExecuteAsync(db.Trading,
            "select pgmq.send_batch($1, array(select jsonb_build_object('i', i) from generate_series(1, 200) i))", queue);

        // Readers that never archive: each message is seen once per 1 s visibility window.
        var seen = new ConcurrentBag<(long Id, int ReadCt, DateTime At)>();
        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            await using var connection = await db.Trading.OpenConnectionAsync();
            var until = DateTime.UtcNow.AddMilliseconds(2200);
            while (DateTime.UtcNow < until)
            {
                await using var command = Sql.Command(connection, "select msg_id, read_ct from pgmq.read($1, 1, 20)", queue);
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    seen.Add((reader.GetInt64(0), reader.GetInt32(1), DateTime.UtcNow));
                }
            }
        })).ToList();
        await Task.WhenAll(readers);

        foreach (var group in seen.GroupBy(s => s.Id))
        {
            // Each delivery of a message has its own read_ct: 1, then 2 after the timeout, never twice the same.
            var counts = group.Select(s => s.ReadCt).Order().ToList();
            Assert.Equal(Enumerable.Range(1, counts.Count), counts);
        }

        Assert.Equal(200, seen.Count(s => s.ReadCt == 1));
        Assert.Contains(seen, s => s.ReadCt == 2);
    }
}
