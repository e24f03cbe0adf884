using System.Globalization;
using Npgsql;

namespace Zmarty.Worker.Clients;

/// <summary>
/// One provider key's monthly call budget. The count lives in B (<c>ops.provider_calls</c>, one row per provider and
/// UTC month) so that every Worker process spends the same budget, a restart forgets nothing, and the admin Pipeline
/// page shows it. A call is counted before it is made; once the budget is spent, calls are refused instead of made.
/// </summary>
public sealed class ProviderBudget(string provider, long budget, NpgsqlDataSource trading, TimeProvider time, ILogger logger)
{
    private int _warnedMonth;

    /// <summary>The name the count is kept under (<c>cryptometer</c>, <c>kingfisher</c>).</summary>
    public string Provider => provider;

    /// <exception cref="ProviderException"><see cref="ProviderFailure.BudgetSpent"/>: this call would exceed the budget.</exception>
    public async ValueTask SpendAsync(string endpoint, CancellationToken cancellationToken)
    {
        if (budget == 0)
        {
            return;
        }

        await using var command = trading.CreateCommand("select allowed, calls from ops.spend_provider_call($1, $2)");
        command.Parameters.Add(new() { Value = provider });
        command.Parameters.Add(new() { Value = budget });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var (allowed, calls) = (reader.GetBoolean(0), reader.GetInt64(1));
        var now = time.GetUtcNow();
        var month = now.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        if (!allowed)
        {
            ProviderLog.BudgetSpent(logger, provider, calls, budget, month);
            throw new ProviderException(ProviderFailure.BudgetSpent, endpoint,
                $"{provider}'s budget of {budget} calls for {month} is spent; no call was made");
        }

        var monthKey = (now.Year * 12) + now.Month;
        if (calls >= budget * 8 / 10 && Interlocked.Exchange(ref _warnedMonth, monthKey) != monthKey)
        {
            ProviderLog.BudgetNearlySpent(logger, provider, calls, budget, month);
        }
    }
}
