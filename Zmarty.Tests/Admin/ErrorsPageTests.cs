using Bunit;
using Zmarty.AdminUi.Components.Pages.Errors;
using Zmarty.Tests.Database;

namespace Zmarty.Tests.Admin;

[Collection(DatabaseCollection.Name)]
public sealed class ErrorsPageTests(DatabaseFixture db)
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Shows_new_errors_live_with_their_trace_id_and_filters_by_service_and_level()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        await using var context = AdminPages.Create(db);
        var page = context.Render<ErrorsPage>();
        page.WaitForAssertion(() => page.Find("[data-testid='filter-service']"), s_wait);

        await Sql.ExecuteAsync(db.Trading, """
            insert into ops.error_log (service, level, message, exception, trace_id) values
              ('worker', 'error', $1 || ' ingest failed', 'System.Net.Http.HttpRequestException: 503', 'trace-worker-' || $1),
              ('api', 'warning', $1 || ' slow provider', null, 'trace-api-' || $1),
              ('api', 'critical', $1 || ' ledger unreachable', null, null)
            """, tag);

        page.WaitForAssertion(() =>
        {
            var rows = page.Find("[data-testid='errors']").TextContent;
            Assert.Contains($"{tag} ingest failed", rows, StringComparison.Ordinal);
            Assert.Contains($"trace-worker-{tag}", rows, StringComparison.Ordinal);
            Assert.Contains($"{tag} slow provider", rows, StringComparison.Ordinal);
        }, s_wait);

        await page.Find("[data-testid='filter-service']").ChangeAsync(new() { Value = "api" });
        var apiOnly = page.Find("[data-testid='errors']").TextContent;
        Assert.DoesNotContain($"{tag} ingest failed", apiOnly, StringComparison.Ordinal);
        Assert.Contains($"{tag} slow provider", apiOnly, StringComparison.Ordinal);
        Assert.Contains($"{tag} ledger unreachable", apiOnly, StringComparison.Ordinal);

        await page.Find("[data-testid='filter-level']").ChangeAsync(new() { Value = "critical" });
        var apiCritical = page.Find("[data-testid='errors']").TextContent;
        Assert.DoesNotContain($"{tag} slow provider", apiCritical, StringComparison.Ordinal);
        Assert.Contains($"{tag} ledger unreachable", apiCritical, StringComparison.Ordinal);
    }
}
