using Bunit;
using Zmarty.AdminUi.Components.Pages.Pipeline;
using Zmarty.Tests.Database;

namespace Zmarty.Tests.Admin;

/// <summary>The Pipeline page's list of pairs Cryptometer answered "no data" for, which B leaves alone for a while.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class NoDataPairsPageTests(DatabaseFixture db)
{
    [Fact]
    public async Task Lists_the_pairs_backing_off_after_no_data_with_their_misses_and_when_they_are_asked_again()
    {
        var symbol = $"N{Guid.NewGuid():N}"[..8].ToUpperInvariant() + "/USDT";
        for (var miss = 0; miss < 3; miss++)
        {
            await Sql.ExecuteAsync(db.Trading, "select ops.record_provider_no_data($1, '4h')", symbol);
        }

        await using var context = AdminPages.Create(db);
        var page = context.Render<PipelinePage>();

        page.WaitForAssertion(() =>
        {
            var row = page.FindAll("[data-testid='no-data-pairs'] [role='row']")
                .Single(r => r.TextContent.Contains(symbol, StringComparison.Ordinal));
            Assert.Contains("4h", row.TextContent, StringComparison.Ordinal);
            Assert.Contains("3", row.TextContent, StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(30));
    }
}
