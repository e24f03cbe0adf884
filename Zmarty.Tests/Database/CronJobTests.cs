namespace Zmarty.Tests.Database;

/// <summary>The pg_cron schedules of Supabase B and the functions they call.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class CronJobTests(DatabaseFixture db)
{
    [Fact]
    public async Task The_named_jobs_are_scheduled()
    {
        var jobs = await Sql.ColumnAsync<string>(db.Trading,
            "select jobname || ' | ' || schedule || ' | ' || command || ' | ' || active from cron.job where jobname like 'zmarty-%' order by jobname");
        Assert.Equal(
        [
            "zmarty-enqueue-ingestion | */5 * * * * | select ops.enqueue_ingestion() | true",
            "zmarty-prune | 30 3 * * * | select * from ops.prune() | true",
            "zmarty-recompute-winrates | 0 * * * * | select ops.enqueue_winrate_recompute(30) | true",
        ], jobs);
    }

    [Fact]
    public async Task Scheduling_a_job_again_by_name_replaces_it()
    {
        var before = await Sql.ScalarAsync<long>(db.Trading, "select jobid from cron.job where jobname = 'zmarty-prune'");
        var again = await Sql.ScalarAsync<long>(db.Trading,
            "select cron.schedule('zmarty-prune', '30 3 * * *', 'select * from ops.prune()')");
        Assert.Equal(before, again);
        Assert.Equal(1L, await Sql.ScalarAsync<long>(db.Trading, "select count(*) from cron.job where jobname = 'zmarty-prune'"));
    }

    private async Task ResetWatchersAndQueuesAsync()
    {
        await Sql.ExecuteAsync(db.Trading, "delete from public.watchers");
        // Candles and recent runs decide whether a pair is due: none, so every active pair is.
        await Sql.ExecuteAsync(db.Trading, "delete from public.candles where symbol in ('BTC/USDT', 'ETH/USDT', 'SOL/USDT')");
        await Sql.ExecuteAsync(db.Trading, "delete from ops.job_runs where queue = 'ingest_indicators'");
        await Sql.ExecuteAsync(db.Trading, "select pgmq.purge_queue('ingest_indicators'), pgmq.purge_queue('compute_winrate')");
        await Sql.ExecuteAsync(db.Trading, """
            insert into public.watchers (user_id, symbol, timeframe, active) values
              (gen_random_uuid(), 'BTC/USDT', '1h', true),
              (gen_random_uuid(), 'BTC/USDT', '1h', true),
              (gen_random_uuid(), 'ETH/USDT', '4h', true),
              (gen_random_uuid(), 'SOL/USDT', '1d', false)
            """);
    }

    [Fact]
    public async Task Enqueue_ingestion_sends_one_message_per_active_pair_and_no_duplicates_while_pending()
    {
        await ResetWatchersAndQueuesAsync();
        Assert.Equal(2, await Sql.ScalarAsync<int>(db.Trading, "select ops.enqueue_ingestion()"));
        Assert.Equal(
            ["""{"symbol": "BTC/USDT", "timeframe": "1h"}""", """{"symbol": "ETH/USDT", "timeframe": "4h"}"""],
            await Sql.ColumnAsync<string>(db.Trading, "select message::text from pgmq.q_ingest_indicators order by msg_id"));

        // The Worker has not consumed them yet: the next run adds nothing.
        Assert.Equal(0, await Sql.ScalarAsync<int>(db.Trading, "select ops.enqueue_ingestion()"));

        // Once consumed (archived), the next run enqueues again; a new pair is picked up.
        await Sql.ExecuteAsync(db.Trading, "select pgmq.archive('ingest_indicators', array(select msg_id from pgmq.q_ingest_indicators))");
        await Sql.ExecuteAsync(db.Trading, "update public.watchers set active = true where symbol = 'SOL/USDT'");
        Assert.Equal(3, await Sql.ScalarAsync<int>(db.Trading, "select ops.enqueue_ingestion()"));
    }

    [Fact]
    public async Task Enqueue_ingestion_asks_for_a_pair_only_when_its_timeframe_has_closed_a_bar_that_B_lacks()
    {
        await ResetWatchersAndQueuesAsync();
        // BTC 1h has its newest closed bar; ETH 4h has only the bar before it.
        await Sql.ExecuteAsync(db.Trading, """
            insert into public.candles (symbol, timeframe, open_time, open, high, low, close, volume) values
              ('BTC/USDT', '1h', ops.last_closed_bar('1h'), 1, 1, 1, 1, 1),
              ('ETH/USDT', '4h', ops.last_closed_bar('4h') - interval '4 hours', 1, 1, 1, 1, 1)
            """);

        Assert.Equal(1, await Sql.ScalarAsync<int>(db.Trading, "select ops.enqueue_ingestion()"));
        Assert.Equal(["ETH/USDT"], await Sql.ColumnAsync<string>(db.Trading, "select message ->> 'symbol' from pgmq.q_ingest_indicators"));

        // ETH was just tried (the provider had not published the bar yet): not asked again within 15 minutes.
        await Sql.ExecuteAsync(db.Trading, "select pgmq.archive('ingest_indicators', array(select msg_id from pgmq.q_ingest_indicators))");
        await Sql.ExecuteAsync(db.Trading, """
            insert into ops.job_runs (queue, msg_id, job, symbol, timeframe, outcome)
            values ('ingest_indicators', -1, 'ingest_indicators', 'ETH/USDT', '4h', 'succeeded')
            """);
        Assert.Equal(0, await Sql.ScalarAsync<int>(db.Trading, "select ops.enqueue_ingestion()"));
    }

    [Theory]
    [InlineData("5m", "2026-12-02 10:07:00+00", "2026-12-02 10:00:00+00")]
    [InlineData("4h", "2026-12-02 10:07:00+00", "2026-12-02 04:00:00+00")]
    [InlineData("1d", "2026-12-02 10:07:00+00", "2026-12-01 00:00:00+00")]
    [InlineData("1w", "2026-12-02 10:07:00+00", "2026-11-23 00:00:00+00")]
    public async Task The_newest_closed_bar_is_aligned_to_utc_midnight_and_weeks_to_monday(string timeframe, string now, string expected)
    {
        var bar = await Sql.ScalarAsync<string>(db.Trading,
            "select to_char(ops.last_closed_bar($1, $2::timestamptz) at time zone 'utc', 'YYYY-MM-DD HH24:MI:SS') || '+00'",
            timeframe, now);

        Assert.Equal(expected, bar);
    }

    [Fact]
    public async Task Every_enqueued_job_starts_a_trace_of_its_own()
    {
        await ResetWatchersAndQueuesAsync();
        await Sql.ExecuteAsync(db.Trading, "select ops.enqueue_ingestion(), ops.enqueue_winrate_recompute(30)");

        var traceparents = await Sql.ColumnAsync<string>(db.Trading, """
            select headers ->> 'traceparent' from pgmq.q_ingest_indicators
            union all
            select headers ->> 'traceparent' from pgmq.q_compute_winrate
            """);

        Assert.Equal(4, traceparents.Count);
        Assert.All(traceparents, t => Assert.True(
            System.Diagnostics.ActivityContext.TryParse(t, null, out var context)
                && context.TraceFlags == System.Diagnostics.ActivityTraceFlags.Recorded,
            $"not a sampled W3C traceparent: {t}"));
        Assert.Equal(4, traceparents.Select(t => t.Split('-')[1]).Distinct().Count());
    }

    [Fact]
    public async Task Recompute_winrates_sends_the_lookback_for_each_active_pair()
    {
        await ResetWatchersAndQueuesAsync();
        Assert.Equal(2, await Sql.ScalarAsync<int>(db.Trading, "select ops.enqueue_winrate_recompute(30)"));
        Assert.Equal(
        [
            """{"symbol": "BTC/USDT", "timeframe": "1h", "lookback_days": 30}""",
            """{"symbol": "ETH/USDT", "timeframe": "4h", "lookback_days": 30}""",
        ], await Sql.ColumnAsync<string>(db.Trading, "select message::text from pgmq.q_compute_winrate order by msg_id"));
        Assert.Equal(0, await Sql.ScalarAsync<int>(db.Trading, "select ops.enqueue_winrate_recompute(30)"));
        Assert.Equal(2, await Sql.ScalarAsync<int>(db.Trading, "select ops.enqueue_winrate_recompute(7)"));
        await Sql.ThrowsAsync("22023", () => Sql.ExecuteAsync(db.Trading, "select ops.enqueue_winrate_recompute(0)"));
    }

    [Fact]
    public async Task The_service_role_runs_the_job_functions_as_pg_cron_does()
    {
        // The review: ops.prune() as service_role failed with "permission denied for schema cron".
        await Sql.AsRoleAsync(db.Trading, "service_role", null, async connection =>
        {
            Assert.Equal(
                ["cron.job_run_details", "ops.error_log", "ops.job_runs", "pgmq.archive", "public.candles", "public.indicators"],
                await Sql.ColumnAsync<string>(connection, "select target from ops.prune() order by target"));
            await Sql.ExecuteAsync(connection, "select ops.enqueue_ingestion()");
            await Sql.ExecuteAsync(connection, "select ops.enqueue_winrate_recompute(30)");
        });
        await Sql.AsRoleAsync(db.Trading, "authenticated", Guid.NewGuid(), async connection =>
            await Sql.FailsAsync(connection, "42501", "select * from ops.prune()"));
    }

    [Fact]
    public async Task Prune_deletes_only_what_is_older_than_its_retention()
    {
        var symbol = $"P{Guid.NewGuid().ToString("N")[..8].ToUpperInvariant()}/USDT";
        await Sql.ExecuteAsync(db.Trading, """
            insert into public.indicators (symbol, timeframe, at, data, source) values
              ($1, '1h', now() - interval '91 days', '{}', 'internal'),
              ($1, '1h', now() - interval '89 days', '{}', 'internal')
            """, symbol);
        await Sql.ExecuteAsync(db.Trading, """
            insert into public.candles (symbol, timeframe, open_time, open, high, low, close, volume) values
              ($1, '1h', now() - interval '401 days', 1, 1, 1, 1, 0),
              ($1, '1h', now() - interval '399 days', 1, 1, 1, 1, 0)
            """, symbol);
        await Sql.ExecuteAsync(db.Trading, """
            insert into ops.error_log (at, service, level, message) values
              (now() - interval '15 days', 'api', 'error', $1), (now(), 'api', 'warning', $1)
            """, symbol);
        await Sql.ExecuteAsync(db.Trading, """
            insert into ops.job_runs (queue, msg_id, job, symbol, started_at, outcome) values
              ('compute_signals', null, 'signals', $1, now() - interval '15 days', 'failed'),
              ('compute_signals', null, 'signals', $1, now(), 'succeeded')
            """, symbol);
        await Sql.ExecuteAsync(db.Trading, """
            insert into cron.job_run_details (jobid, runid, job_pid, database, username, command, status, return_message, start_time, end_time)
            values (1, -1, 1, 'postgres', 'postgres', $1, 'succeeded', '1 row', now() - interval '8 days', now() - interval '8 days'),
                   (1, -2, 1, 'postgres', 'postgres', $1, 'succeeded', '1 row', now(), now())
            """, symbol);
        var oldMessage = await Sql.ScalarAsync<long>(db.Trading, "select * from pgmq.send('compute_signals', jsonb_build_object('symbol', $1::text))", symbol);
        var newMessage = await Sql.ScalarAsync<long>(db.Trading, "select * from pgmq.send('compute_signals', jsonb_build_object('symbol', $1::text))", symbol);
        await Sql.ExecuteAsync(db.Trading, "select pgmq.archive('compute_signals', array[$1, $2]::bigint[])", oldMessage, newMessage);
        await Sql.ExecuteAsync(db.Trading, "update pgmq.a_compute_signals set archived_at = now() - interval '31 days' where msg_id = $1", oldMessage);

        var pruned = await Sql.ColumnAsync<string>(db.Trading, "select target || '=' || deleted from ops.prune() order by target");
        Assert.Equal(
            ["cron.job_run_details", "ops.error_log", "ops.job_runs", "pgmq.archive", "public.candles", "public.indicators"],
            pruned.Select(p => p.Split('=')[0]));
        Assert.All(pruned, p => Assert.True(long.Parse(p.Split('=')[1], System.Globalization.CultureInfo.InvariantCulture) >= 1, p));

        Assert.Equal(1L, await Sql.ScalarAsync<long>(db.Trading, "select count(*) from public.indicators where symbol = $1", symbol));
        Assert.Equal(1L, await Sql.ScalarAsync<long>(db.Trading, "select count(*) from public.candles where symbol = $1", symbol));
        Assert.Equal(1L, await Sql.ScalarAsync<long>(db.Trading, "select count(*) from ops.error_log where message = $1", symbol));
        Assert.Equal(1L, await Sql.ScalarAsync<long>(db.Trading, "select count(*) from ops.job_runs where symbol = $1", symbol));
        Assert.Equal(1L, await Sql.ScalarAsync<long>(db.Trading, "select count(*) from cron.job_run_details where command = $1", symbol));
        Assert.Equal([newMessage], await Sql.ColumnAsync<long>(db.Trading,
            "select msg_id from pgmq.a_compute_signals where message ->> 'symbol' = $1", symbol));

        // Retention is data: shortening it prunes more on the next run.
        await Sql.ExecuteAsync(db.Trading, "update ops.retention set keep = interval '1 second' where target = 'ops.error_log'");
        try
        {
            await Task.Delay(1100);
            await Sql.ExecuteAsync(db.Trading, "select * from ops.prune()");
            Assert.Equal(0L, await Sql.ScalarAsync<long>(db.Trading, "select count(*) from ops.error_log where message = $1", symbol));
        }
        finally
        {
            await Sql.ExecuteAsync(db.Trading, "update ops.retention set keep = interval '14 days' where target = 'ops.error_log'");
        }
    }
}
