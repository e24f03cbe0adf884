using Microsoft.Extensions.Logging.Abstractions;
using Zmarty.Tests.Database;
using Zmarty.Worker.Clients;

namespace Zmarty.Tests.Pipeline;

/// <summary>A provider key's monthly budget, counted in B for every Worker at once.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class ProviderBudgetTests(DatabaseFixture db)
{
    [Fact]
    public async Task Calls_are_counted_until_the_budget_is_spent_then_refused_before_they_are_made()
    {
        var provider = $"test-{Guid.NewGuid():N}";
        var budget = new ProviderBudget(provider, 3, db.Trading, TimeProvider.System, NullLogger.Instance);

        for (var i = 0; i < 3; i++)
        {
            await budget.SpendAsync("ohlcv", CancellationToken.None);
        }

        var refused = await Assert.ThrowsAsync<ProviderException>(() => budget.SpendAsync("ticker", CancellationToken.None).AsTask());

        Assert.Equal(ProviderFailure.BudgetSpent, refused.Failure);
        Assert.Contains("budget of 3 calls", refused.Message, StringComparison.Ordinal);
        Assert.Equal("3 3 1", await Sql.ScalarAsync<string>(db.Trading,
            "select format('%s %s %s', calls, budget, refused) from ops.provider_calls where provider = $1", provider));
    }

    [Fact]
    public async Task Workers_spending_at_once_never_make_more_calls_than_the_budget()
    {
        var provider = $"test-{Guid.NewGuid():N}";
        var budgets = Enumerable.Range(0, 4)
            .Select(_ => new ProviderBudget(provider, 50, db.Trading, TimeProvider.System, NullLogger.Instance));

        var outcomes = await Task.WhenAll(budgets.SelectMany(b => Enumerable.Range(0, 20).Select(async _ =>
        {
            try
            {
                await b.SpendAsync("ohlcv", CancellationToken.None);
                return true;
            }
            catch (ProviderException ex) when (ex.Failure == ProviderFailure.BudgetSpent)
            {
                return false;
            }
        })));

        Assert.Equal(50, outcomes.Count(allowed => allowed));
        Assert.Equal(50L, await Sql.ScalarAsync<long>(db.Trading, "select calls from ops.provider_calls where provider = $1", provider));
    }
}
