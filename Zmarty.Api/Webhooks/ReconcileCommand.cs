namespace Zmarty.Api.Webhooks;

/// <summary>
/// <c>Zmarty.Api reconcile [--dry-run]</c>: the operator's repair of B.watchers from A.user_symbols,
/// run with the Api's own configuration (docs/runbook.md, "Symbol sync"). Prints every difference and
/// what was done; exits 0 when B matched or was repaired, 1 when a repair yielded to a newer change
/// (run it again), 2 on a usage error.
/// </summary>
public static class ReconcileCommand
{
    public const string Verb = "reconcile";

    public static bool Handles(string[] args) => args is [Verb, ..];

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter output)
    {
        var dryRun = false;
        foreach (var arg in args.Skip(1))
        {
            if (arg != "--dry-run")
            {
                await output.WriteLineAsync($"Unknown option '{arg}'. Usage: {Verb} [--dry-run]");
                return 2;
            }

            dryRun = true;
        }

        var report = await services.GetRequiredService<SymbolReconciler>().RunAsync(dryRun, CancellationToken.None);
        await output.WriteLineAsync($"{report.SymbolsInA} symbols in A (user_symbols), {report.WatchersInB} watchers in B.");
        foreach (var action in report.Actions)
        {
            var (sign, what) = action.Kind switch
            {
                "missing" => ("+", $"missing in B, active {action.ActiveInA}"),
                "differs" => ("~", $"differs: active in B {action.ActiveInB}, in A {action.ActiveInA} (or another strategy)"),
                _ => ("-", "active in B, not in A: deactivate"),
            };
            var done = dryRun ? "not changed (dry run)" : action.Applied ? "repaired" : "not repaired: B holds a newer change";
            await output.WriteLineAsync(
                $"{sign} {action.Key.UserId} {action.Key.Symbol} {action.Key.Timeframe} version {action.Version}: {what}; {done}");
        }

        var repaired = report.Actions.Count(a => a.Applied);
        var yielded = dryRun ? 0 : report.Actions.Count - repaired;
        await output.WriteLineAsync(report.Actions.Count == 0
            ? "B matches A: nothing to repair."
            : dryRun
                ? $"{report.Actions.Count} difference(s); dry run, nothing changed."
                : $"{report.Actions.Count} difference(s): {repaired} repaired, {yielded} left to newer changes.");
        return yielded == 0 ? 0 : 1;
    }
}
