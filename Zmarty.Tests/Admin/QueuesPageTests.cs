using Bunit;
using Zmarty.AdminUi.Components.Pages.Queues;
using Zmarty.Tests.Database;

namespace Zmarty.Tests.Admin;

[Collection(DatabaseCollection.Name)]
public sealed class QueuesPageTests(DatabaseFixture db)
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Shows_the_three_queues_with_their_depth_and_follows_new_messages_without_a_reload()
    {
        var queue = await NewQueueAsync();
        try
        {
            await using var context = AdminPages.Create(db);
            var page = context.Render<QueuesPage>();

            page.WaitForAssertion(() =>
            {
                foreach (var name in new[] { "ingest_indicators", "compute_signals", "compute_winrate", queue })
                {
                    Assert.NotNull(page.Find($"[data-testid='depth-{name}']"));
                }

                Assert.Equal("0", page.Find($"[data-testid='depth-{queue}']").TextContent);
            }, s_wait);

            await Sql.ExecuteAsync(db.Trading, "select pgmq.send_batch($1, array['{\"n\":1}', '{\"n\":2}', '{\"n\":3}']::jsonb[])", queue);

            page.WaitForAssertion(() => Assert.Equal("3", page.Find($"[data-testid='depth-{queue}']").TextContent), s_wait);
            Assert.NotNull(page.Find($"[data-testid='chart-{queue}'] polyline"));
        }
        finally
        {
            await Sql.ExecuteAsync(db.Trading, "select ops.drop_queue($1)", queue);
        }
    }

    [Fact]
    public async Task Lists_archived_messages_with_their_error_and_requeues_and_purges_them()
    {
        var queue = await NewQueueAsync();
        try
        {
            var ids = await Sql.ColumnAsync<long>(db.Trading, "select * from pgmq.send_batch($1, array['{\"symbol\":\"BTC/USDT\"}', '{\"symbol\":\"ETH/USDT\"}']::jsonb[])", queue);
            await Sql.ExecuteAsync(db.Trading, "select pgmq.archive($1, $2::bigint[])", queue, ids.ToArray());
            await Sql.ExecuteAsync(db.Trading,
                "insert into ops.job_runs (queue, msg_id, attempt, job, outcome, error) values ($1, $2, 3, 'ingest', 'archived', 'Cryptometer answered 403')",
                queue, ids[0]);
            await using var context = AdminPages.Create(db);
            var page = context.Render<QueuesPage>();

            page.WaitForAssertion(() =>
            {
                Assert.Equal("2", page.Find($"[data-testid='archived-{queue}']").TextContent);
                var archive = page.Find($"[data-testid='archive-{queue}']").TextContent;
                Assert.Contains("Cryptometer answered 403", archive, StringComparison.Ordinal);
                Assert.Contains("ETH/USDT", archive, StringComparison.Ordinal);
            }, s_wait);

            await page.Find($"[data-testid='requeue-{queue}-{ids[0]}']").ClickAsync(new());

            page.WaitForAssertion(() =>
            {
                Assert.Equal("1", page.Find($"[data-testid='depth-{queue}']").TextContent);
                Assert.Equal("1", page.Find($"[data-testid='archived-{queue}']").TextContent);
                Assert.Contains("1 message(s) sent back", page.Find("[data-testid='action-message']").TextContent, StringComparison.Ordinal);
            }, s_wait);
            Assert.Equal("BTC/USDT", await Sql.ScalarAsync<string>(db.Trading, $"select message ->> 'symbol' from pgmq.read($1, 30, 1)", queue));

            await page.Find($"[data-testid='purge-{queue}-{ids[1]}']").ClickAsync(new());

            page.WaitForAssertion(() => Assert.Equal("0", page.Find($"[data-testid='archived-{queue}']").TextContent), s_wait);
            Assert.Equal(0L, await Sql.ScalarAsync<long>(db.Trading, "select archived from ops.archive_counts() where queue_name = $1", queue));
        }
        finally
        {
            await Sql.ExecuteAsync(db.Trading, "select ops.drop_queue($1)", queue);
        }
    }

    /// <summary>A queue of this test's own, so the other database tests' messages do not change the figures.</summary>
    private async Task<string> NewQueueAsync()
    {
        var queue = "admin_" + Guid.NewGuid().ToString("N")[..12];
        await Sql.ExecuteAsync(db.Trading, "select ops.create_queue($1)", queue);
        return queue;
    }
}
