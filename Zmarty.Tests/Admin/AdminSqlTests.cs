using Zmarty.Tests.Database;

namespace Zmarty.Tests.Admin;

/// <summary>The ops functions the AdminUi calls, as service_role calls them on a real project.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class AdminSqlTests(DatabaseFixture db)
{
    [Fact]
    public async Task Service_role_reads_jobs_runs_and_archives_runs_pauses_and_resumes_jobs_and_requeues_archived_messages()
    {
        await Sql.AsRoleAsync(db.Trading, "service_role", null, async connection =>
        {
            var jobs = await Sql.ColumnAsync<string>(connection, "select jobname from ops.cron_jobs()");
            Assert.Equal(["zmarty-enqueue-ingestion", "zmarty-prune", "zmarty-recompute-winrates"], jobs);
            Assert.Equal("succeeded", await Sql.ScalarAsync<string>(connection, "select status from ops.cron_run_now('zmarty-prune')"));
            Assert.NotEmpty(await Sql.ColumnAsync<long>(connection, "select runid from ops.cron_runs(5)"));
            Assert.False(await Sql.ScalarAsync<bool>(connection, "select ops.cron_set_active('zmarty-prune', false)"));
            Assert.True(await Sql.ScalarAsync<bool>(connection, "select ops.cron_set_active('zmarty-prune', true)"));
            Assert.Equal(3, (await Sql.ColumnAsync<string>(connection,
                "select queue_name from ops.archive_counts() where queue_name in ('ingest_indicators', 'compute_signals', 'compute_winrate')")).Count);

            await Sql.ExecuteAsync(connection, "select ops.create_queue('admin_sql_test')");
            var id = await Sql.ScalarAsync<long>(connection, "select * from pgmq.send('admin_sql_test', '{\"n\": 1}')");
            await Sql.ExecuteAsync(connection, "select pgmq.archive('admin_sql_test', $1)", id);
            Assert.Equal([id], await Sql.ColumnAsync<long>(connection, "select msg_id from ops.archived_messages('admin_sql_test')"));
            Assert.Equal(1, await Sql.ScalarAsync<int>(connection, "select ops.requeue_archived('admin_sql_test', array[$1])", id));
            Assert.Equal(0L, await Sql.ScalarAsync<long>(connection, "select ops.purge_archived('admin_sql_test')"));
            Assert.Equal(1L, await Sql.ScalarAsync<long>(connection, "select queue_length from ops.queue_metrics() where queue_name = 'admin_sql_test'"));
        });
    }

    [Theory]
    [InlineData("select * from ops.archived_messages('no_such_queue')", "22023")]
    [InlineData("select ops.requeue_archived('no_such_queue', array[1]::bigint[])", "22023")]
    [InlineData("select ops.purge_archived('x''; drop table ops.error_log; --')", "22023")]
    [InlineData("select * from ops.archived_messages('ingest_indicators', 0)", "22023")]
    [InlineData("select * from ops.cron_run_now('no-such-job')", "22023")]
    [InlineData("select ops.cron_set_active('zmarty-prune', null)", "22023")]
    [InlineData("select * from ops.cron_runs(0)", "22023")]
    public Task Bad_input_is_refused_with_a_clear_error(string sql, string sqlState) =>
        Sql.ThrowsAsync(sqlState, () => Sql.ExecuteAsync(db.Trading, sql));

    [Theory]
    [InlineData("anon")]
    [InlineData("authenticated")]
    public Task The_api_roles_cannot_call_them(string role) =>
        Sql.AsRoleAsync(db.Trading, role, null, connection =>
            Sql.FailsAsync(connection, "42501", "select * from ops.cron_jobs()"));
}
