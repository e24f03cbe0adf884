namespace Zmarty.Worker.Clients;

/// <summary>The market-data clients' log lines.</summary>
internal static partial class ProviderLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Cryptometer {endpoint} for {pair} is left out of this reading: {reason}")]
    public static partial void ReadingLeftOut(ILogger logger, string endpoint, string pair, string reason);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "{provider}'s monthly call budget is spent: {calls} of {budget} calls made in {month}; "
            + "no call is made until the month ends, or the budget (setting {provider}:MonthlyCallBudget) is raised")]
    public static partial void BudgetSpent(ILogger logger, string provider, long calls, long budget, string month);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "{provider} has made {calls} of its {budget} calls this month ({month}): 80 % of the budget")]
    public static partial void BudgetNearlySpent(ILogger logger, string provider, long calls, long budget, string month);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "{provider} answered 429: calls with its key wait {pause_ms} ms (every Worker, when the key has a rate window)")]
    public static partial void Paused(ILogger logger, string provider, long pause_ms);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "King Fisher's newest clusters for {pair} are from {at:u}, older than {max_age_hours} h: none are used")]
    public static partial void ClustersTooOld(ILogger logger, string pair, DateTimeOffset at, int max_age_hours);
}
