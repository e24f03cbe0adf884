using Bunit;
using Zmarty.AdminUi.Components.Pages.Cron;
using Zmarty.AdminUi.Data;
using Zmarty.Tests.Database;

namespace Zmarty.Tests.Admin;

[Collection(DatabaseCollection.Name)]
public sealed class CronPageTests(DatabaseFixture db)
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Shows_each_job_with_its_schedule_state_and_next_run()
    {
        await using var context = AdminPages.Create(db);
        var page = context.Render<CronPage>();

        page.WaitForAssertion(() =>
        {
            var jobs = page.Find("[data-testid='jobs']").TextContent;
            Assert.Contains("zmarty-enqueue-ingestion", jobs, StringComparison.Ordinal);
            Assert.Contains("*/5 * * * *", jobs, StringComparison.Ordinal);
            Assert.Contains("zmarty-recompute-winrates", jobs, StringComparison.Ordinal);
            Assert.Contains("select * from ops.prune()", jobs, StringComparison.Ordinal);
            Assert.Equal("active", page.Find("[data-testid='state-zmarty-prune']").TextContent.Trim());
        }, s_wait);
    }

    [Fact]
    public async Task Run_now_records_a_run_with_its_status_in_the_history()
    {
        var before = await Sql.ScalarAsync<long>(db.Trading,
            "select count(*) from cron.job_run_details d join cron.job j using (jobid) where j.jobname = 'zmarty-prune'");
        await using var context = AdminPages.Create(db);
        var page = context.Render<CronPage>();
        page.WaitForAssertion(() => page.Find("[data-testid='run-zmarty-prune']"), s_wait);

        await page.Find("[data-testid='run-zmarty-prune']").ClickAsync(new());

        page.WaitForAssertion(() =>
        {
            Assert.Contains("zmarty-prune ran: succeeded", page.Find("[data-testid='action-message']").TextContent, StringComparison.Ordinal);
            var runs = page.Find("[data-testid='runs']").TextContent;
            Assert.Contains("zmarty-prune", runs, StringComparison.Ordinal);
            Assert.Contains("run now", runs, StringComparison.Ordinal);
        }, s_wait);
        var recorded = await Sql.ColumnAsync<string>(db.Trading,
            "select d.status || ' ' || d.return_message from cron.job_run_details d join cron.job j using (jobid) where j.jobname = 'zmarty-prune'");
        Assert.Equal(before + 1, recorded.Count);
        Assert.Contains("succeeded run now", recorded);
    }

    [Fact]
    public async Task Pause_and_resume_change_the_job_in_pg_cron()
    {
        await using var context = AdminPages.Create(db);
        var page = context.Render<CronPage>();
        try
        {
            page.WaitForAssertion(() => page.Find("[data-testid='pause-zmarty-recompute-winrates']"), s_wait);

            await page.Find("[data-testid='pause-zmarty-recompute-winrates']").ClickAsync(new());

            page.WaitForAssertion(() => Assert.Equal("paused", page.Find("[data-testid='state-zmarty-recompute-winrates']").TextContent.Trim()), s_wait);
            Assert.False(await ActiveAsync("zmarty-recompute-winrates"));

            await page.Find("[data-testid='resume-zmarty-recompute-winrates']").ClickAsync(new());

            page.WaitForAssertion(() => Assert.Equal("active", page.Find("[data-testid='state-zmarty-recompute-winrates']").TextContent.Trim()), s_wait);
            Assert.True(await ActiveAsync("zmarty-recompute-winrates"));
        }
        finally
        {
            await Sql.ExecuteAsync(db.Trading, "select ops.cron_set_active('zmarty-recompute-winrates', true)");
        }
    }

    [Fact]
    public async Task A_failing_command_is_recorded_as_failed_with_its_error_and_rolled_back()
    {
        await Sql.ExecuteAsync(db.Trading, "select cron.schedule('admin-test-failing', '0 0 1 1 *', 'insert into ops.retention (target, keep) values (''nope'', ''1 day'')')");
        try
        {
            var run = await new CronData(db.Trading, TimeProvider.System).RunNowAsync(
                new CronJob(0, "admin-test-failing", "0 0 1 1 *", "", true, null, []), CancellationToken.None);

            Assert.Equal("failed", run.Status);
            Assert.Contains("retention_target_check", run.Message, StringComparison.Ordinal);
            Assert.Equal(0L, await Sql.ScalarAsync<long>(db.Trading, "select count(*) from ops.retention where target = 'nope'"));
        }
        finally
        {
            await Sql.ExecuteAsync(db.Trading, "select cron.unschedule('admin-test-failing')");
        }
    }

    [Fact]
    public void Next_run_follows_the_cron_schedule_in_utc()
    {
        var now = new DateTimeOffset(2026, 11, 24, 10, 7, 30, TimeSpan.Zero);

        Assert.Equal(new DateTimeOffset(2026, 11, 24, 10, 10, 0, TimeSpan.Zero), CronData.NextRun("*/5 * * * *", now));
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 3, 30, 0, TimeSpan.Zero), CronData.NextRun("30 3 * * *", now));
        Assert.Null(CronData.NextRun("@reboot", now));
    }

    private Task<bool> ActiveAsync(string job) =>
        Sql.ScalarAsync<bool>(db.Trading, "select active from cron.job where jobname = $1", job);
}
