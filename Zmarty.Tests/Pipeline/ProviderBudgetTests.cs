using Microsoft.Extensions.Logging.Abstractions;
using Zmarty.Tests.Database;
using Zmarty.Worker.Clients;

namespace Zmarty.Tests.Pipeline;

/// <summary>A provider key's monthly budget, counted in B for every Worker at once, through the gate each call passes.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class ProviderBudgetTests(DatabaseFixture db)
{
    [Fact]
    public async Task Calls_are_counted_until_the_budget_is_spent_then_refused_before_they_are_made()
    {
        var provider = $"test-{Guid.NewGuid():N}";
        using var gate = Gate(provider, budget: 3);

        for (var i = 0; i < 3; i++)
        {
            await gate.EnterAsync("ohlcv", CancellationToken.None);
        }

        var refused = await Assert.ThrowsAsync<ProviderException>(() => gate.EnterAsync("ticker", CancellationToken.None).AsTask());

        Assert.Equal(ProviderFailure.BudgetSpent, refused.Failure);
        Assert.Contains("budget of 3 calls", refused.Message, StringComparison.Ordinal);
        Assert.Equal("3 3 1", await Sql.ScalarAsync<string>(db.Trading,
            "select format('%s %s %s', calls, budget, refused) from ops.provider_calls where provider = $1", provider));
    }

    [Fact]
    public async Task Workers_spending_at_once_never_make_more_calls_than_the_budget()
    {
        var provider = $"test-{Guid.NewGuid():N}";
        var gates = Enumerable.Range(0, 4).Select(_ => Gate(provider, budget: 50)).ToList();

        var outcomes = await Task.WhenAll(gates.SelectMany(g => Enumerable.Range(0, 20).Select(async _ =>
        {
            try
            {
                await g.EnterAsync("ohlcv", CancellationToken.None);
                return true;
            }
            catch (ProviderException ex) when (ex.Failure == ProviderFailure.BudgetSpent)
            {
                return false;
            }
        })));
        gates.ForEach(g => g.Dispose());

        Assert.Equal(50, outcomes.Count(allowed => allowed));
        Assert.Equal(50L, await Sql.ScalarAsync<long>(db.Trading, "select calls from ops.provider_calls where provider = $1", provider));
    }

    /// <summary>A Worker's gate on B without a rate window, so only the budget decides.</summary>
    private ProviderGate Gate(string provider, long budget) => new(
        provider,
        new CryptometerOptions { RequestsPerWindow = 0, MonthlyCallBudget = budget },
        new TradingProviderSlots(db.Trading),
        TimeProvider.System,
        NullLogger.Instance);
}
