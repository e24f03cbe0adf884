using Bunit;
using Zmarty.AdminUi.Components.Pages.Pipeline;
using Zmarty.Tests.Database;

namespace Zmarty.Tests.Admin;

/// <summary>The Pipeline page says which secondary source the ingestions go without, and what they lack meanwhile.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class FailingSourcesPageTests(DatabaseFixture db)
{
    [Fact]
    public async Task A_failing_secondary_source_is_shown_with_what_the_ingestions_lack_and_why()
    {
        await Sql.ExecuteAsync(db.Trading, """
            insert into ops.source_status (source, status, reason)
            values ('risk_time_bands', 'failing', 'cryptoverse_risk_time_bands_v2: Rejected: HTTP 404: relation does not exist')
            """);
        try
        {
            await using var context = AdminPages.Create(db);
            var page = context.Render<PipelinePage>();

            page.WaitForAssertion(() =>
            {
                var bar = page.Find("[data-testid='failing-source']").TextContent;
                Assert.Contains("risk_time_bands", bar, StringComparison.Ordinal);
                Assert.Contains(
                    "without a time-in-band coefficient (risk, band, zone and base score are kept)", bar, StringComparison.Ordinal);
                Assert.Contains("relation does not exist", bar, StringComparison.Ordinal);
            }, TimeSpan.FromSeconds(30));
        }
        finally
        {
            await Sql.ExecuteAsync(db.Trading, "delete from ops.source_status");
        }
    }
}
