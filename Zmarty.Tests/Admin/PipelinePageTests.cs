using Bunit;
using Zmarty.AdminUi.Components.Pages.Pipeline;
using Zmarty.Tests.Database;

namespace Zmarty.Tests.Admin;

[Collection(DatabaseCollection.Name)]
public sealed class PipelinePageTests(DatabaseFixture db)
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Shows_watchers_stale_pairs_signals_win_rates_the_outbox_and_todays_credits()
    {
        var tag = Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
        var fresh = $"F{tag}/USDT";
        var stale = $"S{tag}/USDT";
        // Its newest bar is the newest 1h bar that has closed, however long ago the hour began: not late.
        var upToDate = $"U{tag}/USDT";
        foreach (var statement in new[]
        {
            "insert into public.watchers (user_id, symbol, timeframe) values (gen_random_uuid(), $1, '1h'), (gen_random_uuid(), $2, '4h')",
            "insert into public.indicators (symbol, timeframe, at, source) "
                + "values ($1, '1h', now(), 'internal'), ($2, '4h', now() - interval '1 day', 'internal')",
            "insert into public.signals (symbol, timeframe, at, direction, score, confidence) values ($1, '1h', now() + interval '1 day', 'long', 0.83, 0.7)",
            "insert into public.win_rate (symbol, timeframe, lookback_days, win_rate, sample_size, computed_at) values ($1, '1h', 30, 0.625, 16, now() + interval '1 day')",
        })
        {
            await Sql.ExecuteAsync(db.Trading, statement, fresh, stale);
        }

        await Sql.ExecuteAsync(db.Trading,
            "insert into public.watchers (user_id, symbol, timeframe) values (gen_random_uuid(), $1, '1h')", upToDate);
        await Sql.ExecuteAsync(db.Trading,
            "insert into public.indicators (symbol, timeframe, at, source) values ($1, '1h', ops.last_closed_bar('1h'), 'internal')",
            upToDate);

        var user = await db.CreateUserAsync();
        var request = $"admin-{tag}";
        await Sql.ExecuteAsync(db.Chat, "select public.credits_hold($1, 20, $2)", user, request);
        await Sql.ExecuteAsync(db.Chat, "select public.credits_settle($1, 13, 'claude')", request);
        var chargedBefore = await Sql.ScalarAsync<long>(db.Chat,
            "select coalesce(-sum(delta), 0)::bigint from public.credits_ledger where kind = 'charge' and provider = 'claude' and created_at >= date_trunc('day', now() at time zone 'utc') at time zone 'utc'");
        var pending = await Sql.ScalarAsync<long>(db.Chat, "select count(*) from public.user_symbols_outbox where delivered_at is null");

        await using var context = AdminPages.Create(db);
        var page = context.Render<PipelinePage>();

        page.WaitForAssertion(() =>
        {
            Assert.Contains(stale, page.Markup, StringComparison.Ordinal);
            var signals = page.Find("[data-testid='signals']").TextContent;
            Assert.Contains(fresh, signals, StringComparison.Ordinal);
            Assert.Contains("0.83", signals, StringComparison.Ordinal);
            Assert.Contains("62.5 %", page.Find("[data-testid='winrates']").TextContent, StringComparison.Ordinal);
            Assert.Contains($"{pending} symbol changes waiting", page.Find("[data-testid='outbox']").TextContent, StringComparison.Ordinal);
            var credits = page.Find("[data-testid='credits']").TextContent;
            Assert.Contains("claude", credits, StringComparison.Ordinal);
            Assert.Contains(chargedBefore.ToString(System.Globalization.CultureInfo.InvariantCulture), credits, StringComparison.Ordinal);
        }, s_wait);
        // The fresh pair has data from now, the up-to-date one the newest closed bar: neither is listed as stale.
        Assert.DoesNotContain(fresh, page.Find("[data-testid='stale']").TextContent + StaleTable(page), StringComparison.Ordinal);
        Assert.DoesNotContain(upToDate, StaleTable(page), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shows_the_relay_tasks_that_crashed_and_were_restarted_in_the_last_day()
    {
        var message = $"Relay task lane {Random.Shared.Next(100, 999)} crashed (1 in a row); restarting it in 200 ms";
        await Sql.ExecuteAsync(db.Trading,
            "insert into ops.error_log (at, service, level, message) values (now() + interval '1 hour', 'worker', 'error', $1)", message);

        await using var context = AdminPages.Create(db);
        var page = context.Render<PipelinePage>();

        page.WaitForAssertion(() =>
        {
            var tile = page.Find("[data-testid='relay-crashes']").TextContent;
            Assert.Contains("relay task crashes in the last day", tile, StringComparison.Ordinal);
            Assert.Contains(message, tile, StringComparison.Ordinal);
        }, s_wait);
    }

    [Fact]
    public async Task Shows_each_providers_calls_this_month_and_warns_when_its_budget_is_spent()
    {
        var provider = $"budget-{Guid.NewGuid():N}"[..16];
        await Sql.ExecuteAsync(db.Trading, """
            insert into ops.provider_calls (provider, month, calls, budget, refused, last_refused_at)
            values ($1, date_trunc('month', now() at time zone 'utc')::date, 10000, 10000, 7, now())
            """, provider);

        await using var context = AdminPages.Create(db);
        var page = context.Render<PipelinePage>();

        page.WaitForAssertion(() =>
        {
            Assert.Contains(provider, page.Find("[data-testid='budgets']").TextContent, StringComparison.Ordinal);
            Assert.Contains(page.FindAll("[data-testid='budget-warning']"),
                w => w.TextContent.Contains($"{provider}: budget spent: 7 calls refused this month", StringComparison.Ordinal));
        }, s_wait);
    }

    [Fact]
    public async Task Lists_the_risk_grids_the_worker_refused_and_why()
    {
        var symbol = $"G{Guid.NewGuid():N}"[..8].ToUpperInvariant();
        await Sql.ExecuteAsync(db.Trading,
            "insert into ops.risk_grid_status (symbol, status, reason) values ($1, 'refused', 'identical to the grid of BTC')", symbol);

        await using var context = AdminPages.Create(db);
        var page = context.Render<PipelinePage>();

        page.WaitForAssertion(() =>
        {
            var grids = page.Find("[data-testid='refused-grids']").TextContent;
            Assert.Contains(symbol, grids, StringComparison.Ordinal);
            Assert.Contains("identical to the grid of BTC", grids, StringComparison.Ordinal);
        }, s_wait);
    }

    [Theory]
    [InlineData(6000, 10000, "2026-12-16T00:00:00Z", 12400, "on course for 12400 calls, above the budget of 10000")]
    [InlineData(3000, 10000, "2026-12-31T00:00:00Z", 3100, null)]
    public void A_months_calls_are_projected_to_its_end(long calls, long budget, string now, long projected, string? warning)
    {
        var row = new Zmarty.AdminUi.Data.ProviderBudgetRow("cryptometer", calls, budget, 0, null);
        var at = DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(projected, row.ProjectedAt(at));
        Assert.Equal(warning, row.Warning(at));
    }

    private static string StaleTable(IRenderedComponent<PipelinePage> page) =>
        string.Concat(page.FindAll("h2").Where(h => h.TextContent == "Stale symbols").Select(h => h.NextElementSibling?.TextContent));
}
