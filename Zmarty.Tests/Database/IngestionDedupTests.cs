namespace Zmarty.Tests.Database;

/// <summary>B's rules for enqueuing an ingestion: one per pair within the freshness window, none while a pair backs off.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class IngestionDedupTests(DatabaseFixture db)
{
    /// <summary>The receiver's call: the message id, 0 when nothing was sent.</summary>
    private const string Enqueue = "select coalesce(ops.enqueue_pair_ingestion($1, $2, gen_random_uuid(), interval '10 minutes'), 0)";

    [Fact]
    public async Task A_pair_gets_one_job_while_one_waits_or_began_within_the_window()
    {
        var symbol = Symbol();

        var first = await Sql.ScalarAsync<long>(db.Trading, Enqueue, symbol, "1h");
        var whileWaiting = await Sql.ScalarAsync<long>(db.Trading, Enqueue, symbol, "1h");
        var otherTimeframe = await Sql.ScalarAsync<long>(db.Trading, Enqueue, symbol, "4h");
        // The job ran (and found nothing): its message is gone, its run recorded a minute ago.
        await Sql.ExecuteAsync(db.Trading, "delete from pgmq.q_ingest_indicators where message ->> 'symbol' = $1", symbol);
        await Sql.ExecuteAsync(db.Trading, """
            insert into ops.job_runs (queue, msg_id, attempt, job, symbol, timeframe, started_at, duration_ms, outcome, error)
            values ('ingest_indicators', $2, 1, 'ingest_indicators', $1, '1h', now() - interval '1 minute', 10, 'archived', 'no data')
            """, symbol, first);
        var afterARecentRun = await Sql.ScalarAsync<long>(db.Trading, Enqueue, symbol, "1h");
        await Sql.ExecuteAsync(db.Trading, "update ops.job_runs set started_at = now() - interval '11 minutes' where symbol = $1", symbol);
        var afterTheWindow = await Sql.ScalarAsync<long>(db.Trading, Enqueue, symbol, "1h");

        Assert.NotEqual(0L, first);
        Assert.Equal(0L, whileWaiting);
        Assert.NotEqual(0L, otherTimeframe);
        Assert.Equal(0L, afterARecentRun);
        Assert.NotEqual(0L, afterTheWindow);
    }

    [Fact]
    public async Task A_pair_without_data_backs_off_an_hour_then_doubling_to_a_day_and_neither_enqueue_asks_for_it_meanwhile()
    {
        var symbol = Symbol();
        var backoffs = new List<double>();
        for (var miss = 1; miss <= 7; miss++)
        {
            backoffs.Add(await Sql.ScalarAsync<double>(db.Trading,
                "select extract(epoch from ops.record_provider_no_data($1, '1h') - now())::float8 / 3600", symbol));
        }

        await Sql.ExecuteAsync(
            db.Trading, "insert into public.watchers (user_id, symbol, timeframe) values (gen_random_uuid(), $1, '1h')", symbol);
        var byReceiver = await Sql.ScalarAsync<long>(db.Trading, Enqueue, symbol, "1h");
        await Sql.ExecuteAsync(db.Trading, "select ops.enqueue_ingestion()");
        var byCron = await WaitingAsync(symbol);
        await Sql.ExecuteAsync(
            db.Trading, "update ops.provider_no_data set retry_after = now() - interval '1 second' where symbol = $1", symbol);
        await Sql.ExecuteAsync(db.Trading, "select ops.enqueue_ingestion()");
        var byCronAfter = await WaitingAsync(symbol);
        var cleared = await Sql.ScalarAsync<bool>(db.Trading, "select ops.clear_provider_no_data($1, '1h')", symbol);

        Assert.Equal([1, 2, 4, 8, 16, 24, 24], backoffs.Select(h => Math.Round(h)));
        Assert.Equal(0L, byReceiver);
        Assert.Equal(0L, byCron);
        Assert.Equal(1L, byCronAfter);
        Assert.True(cleared);
        Assert.Equal(0L, await Sql.ScalarAsync<long>(db.Trading, "select count(*) from ops.provider_no_data where symbol = $1", symbol));
    }

    private Task<long> WaitingAsync(string symbol) =>
        Sql.ScalarAsync<long>(db.Trading, "select count(*) from pgmq.q_ingest_indicators where message ->> 'symbol' = $1", symbol);

    private static string Symbol() => $"D{Guid.NewGuid():N}"[..12].ToUpperInvariant() + "/USDT";
}
