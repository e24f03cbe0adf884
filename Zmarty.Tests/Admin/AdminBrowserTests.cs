using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Playwright;
using Npgsql;
using Zmarty.AppHost.Commands;
using Zmarty.Testing;
using Zmarty.Tests.AppHost;
using Zmarty.Tests.Database;
using static Microsoft.Playwright.Assertions;

namespace Zmarty.Tests.Admin;

/// <summary>
/// The AdminUi in Debian's Chromium (installed by ./zmarty), driven by Playwright, against the
/// whole running system. Screenshots of each page go to bin/.../screenshots (docs/ has copies).
/// </summary>
[Collection(AppHostSecondCollection.Name)]
public sealed class AdminBrowserTests
{
    private const string Password = "browser-test-password";
    private static readonly LocatorAssertionsToHaveTextOptions s_live = new() { Timeout = 30_000 };

    [Fact]
    public async Task An_operator_logs_in_and_sees_queues_errors_and_cron_change_live()
    {
        Browser.AssertInstalled();
        await using var app = await TestSystem.StartAsync(b =>
        {
            // The test enqueues messages and watches the depth rise: a worker would drain them first.
            b.RemoveResource("worker");
            b.GetResource<ProjectResource>("admin")
                .WithEnvironment("Admin__Password", Password)
                .WithEnvironment("Admin__PollInterval", "00:00:00.500");
        });
        await using var trading = NpgsqlDataSource.Create(app.GetConnectionString("trading"));
        await using var chat = NpgsqlDataSource.Create(app.GetConnectionString("chat"));
        await SeedAsync(trading, chat);
        var admin = app.GetEndpoint("admin").ToString().TrimEnd('/');

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Browser.Chromium, Headless = true });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });

        // Logs in and sees the three queues.
        await page.GotoAsync($"{admin}/queues");
        Assert.EndsWith("/login?ReturnUrl=%2Fqueues", page.Url, StringComparison.Ordinal);
        await Browser.ScreenshotAsync(page, "admin-login");
        await page.FillAsync("#password", Password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync($"{admin}/queues");
        foreach (var queue in new[] { "ingest_indicators", "compute_signals", "compute_winrate" })
        {
            await Expect(page.GetByTestId($"depth-{queue}")).ToBeVisibleAsync();
        }

        // Enqueues messages in B and watches the depth change without a reload.
        var depth = page.GetByTestId("depth-compute_signals");
        var before = long.Parse(await depth.InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture);
        await Sql.ExecuteAsync(trading,
            "select pgmq.send_batch('compute_signals', array['{\"symbol\":\"BTC/USDT\",\"timeframe\":\"1h\"}', '{\"symbol\":\"ETH/USDT\",\"timeframe\":\"4h\"}']::jsonb[])");
        await Expect(depth).ToHaveTextAsync((before + 2).ToString(System.Globalization.CultureInfo.InvariantCulture), s_live);
        await Browser.ScreenshotAsync(page, "admin-queues");

        // Sees an injected worker error on the Errors page, live.
        await page.ClickAsync("nav >> text=Errors");
        await Expect(page.GetByTestId("errors")).ToBeVisibleAsync();
        var traceId = Guid.NewGuid().ToString("N");
        await Sql.ExecuteAsync(trading,
            "insert into ops.error_log (service, level, message, exception, trace_id) values ('worker', 'error', 'Ingesting SOL/USDT 1h failed: Cryptometer answered 403', 'System.Net.Http.HttpRequestException: Response status code does not indicate success: 403 (Forbidden).', $1)",
            traceId);
        await Expect(page.GetByTestId("errors")).ToContainTextAsync(traceId, new() { Timeout = 30_000 });
        await Browser.ScreenshotAsync(page, "admin-errors");

        // Runs a cron job now: the run appears in the history, and its messages in the queue.
        await page.ClickAsync("nav >> text=Cron");
        await page.GetByTestId("run-zmarty-enqueue-ingestion").ClickAsync();
        await Expect(page.GetByTestId("action-message")).ToContainTextAsync("zmarty-enqueue-ingestion ran: succeeded", new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("runs")).ToContainTextAsync("run now", new() { Timeout = 30_000 });
        Assert.True(await Sql.ScalarAsync<long>(trading, "select count(*) from pgmq.q_ingest_indicators") >= 2);
        await Browser.ScreenshotAsync(page, "admin-cron");

        await page.ClickAsync("nav >> text=Pipeline");
        await Expect(page.GetByTestId("signals")).ToContainTextAsync("BTC/USDT", new() { Timeout = 30_000 });
        await Browser.ScreenshotAsync(page, "admin-pipeline");
    }

    /// <summary>What a running system would hold: watchers with data, a signal, a win rate, a failed message, a charge.</summary>
    private static async Task SeedAsync(NpgsqlDataSource trading, NpgsqlDataSource chat)
    {
        foreach (var statement in new[]
        {
            "insert into public.watchers (user_id, symbol, timeframe) values (gen_random_uuid(), 'BTC/USDT', '1h'), (gen_random_uuid(), 'ETH/USDT', '4h'), (gen_random_uuid(), 'SOL/USDT', '1h')",
            "insert into public.indicators (symbol, timeframe, at, source) values ('BTC/USDT', '1h', now(), 'cryptometer'), ('ETH/USDT', '4h', now(), 'cryptometer')",
            "insert into public.signals (symbol, timeframe, at, direction, score, confidence, entry_price) values ('BTC/USDT', '1h', now(), 'long', 0.82, 0.74, 97250), ('ETH/USDT', '4h', now() - interval '4 hours', 'flat', 0.51, 0.40, 3610)",
            "insert into public.win_rate (symbol, timeframe, lookback_days, win_rate, sample_size) values ('BTC/USDT', '1h', 30, 0.6, 25), ('ETH/USDT', '4h', 30, 0.47, 17)",
            "select pgmq.archive('ingest_indicators', (select * from pgmq.send('ingest_indicators', '{\"symbol\":\"DOGE/USDT\",\"timeframe\":\"1h\"}')))",
            "insert into ops.job_runs (queue, msg_id, attempt, job, symbol, timeframe, outcome, error) select 'ingest_indicators', msg_id, 3, 'ingest', 'DOGE/USDT', '1h', 'archived', 'Cryptometer: No Data' from pgmq.a_ingest_indicators",
            "insert into ops.error_log (service, level, message, trace_id) values ('api', 'warning', 'Provider grok answered 503; falling back to gpt', '4bf92f3577b34da6a3ce929d0e0e4736')",
        })
        {
            await Sql.ExecuteAsync(trading, statement);
        }

        var user = await Sql.ScalarAsync<Guid>(chat,
            "insert into auth.users (id, aud, role, email) values (gen_random_uuid(), 'authenticated', 'authenticated', 'operator-test@example.com') returning id");
        await Sql.ExecuteAsync(chat, "select public.credits_hold($1, 40, 'browser-test-1')", user);
        await Sql.ExecuteAsync(chat, "select public.credits_settle('browser-test-1', 27, 'gpt')");
    }
}
