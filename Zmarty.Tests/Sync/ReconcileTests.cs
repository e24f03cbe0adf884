using Zmarty.Api.Webhooks;
using Zmarty.Tests.Database;

namespace Zmarty.Tests.Sync;

/// <summary>
/// The operator's reconcile against the real A and B. No relay runs in this fixture, so B starts
/// out of step with A for every user; each test looks at its own user's rows.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class ReconcileTests(DatabaseFixture db) : IAsyncLifetime
{
    private ReceiverHost _host = null!;

    public async Task InitializeAsync() => _host = await ReceiverHost.StartAsync(db, ReceiverHost.NewSecret());

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<(string Output, int ExitCode)> RunAsync(params string[] options)
    {
        using var output = new StringWriter();
        var exitCode = await ReconcileCommand.RunAsync(_host.Services, [ReconcileCommand.Verb, .. options], output);
        return (output.ToString(), exitCode);
    }

    private Task<List<string>> WatchersAsync(Guid user) =>
        Sql.ColumnAsync<string>(db.Trading,
            "select concat_ws(' ', symbol, timeframe, active, strategy::text, source_version) from public.watchers where user_id = $1 order by symbol",
            user);

    private Task<long> VersionAsync(Guid user, string symbol) =>
        Sql.ScalarAsync<long>(db.Chat, "select version from public.user_symbols where user_id = $1 and symbol = $2", user, symbol);

    [Fact]
    public async Task It_repairs_missing_differing_and_orphaned_watchers_reports_each_and_a_second_run_finds_nothing()
    {
        var user = await db.CreateUserAsync("pro");
        // Missing in B: a pair no other test watches, so no ingestion job is already waiting for it.
        var missing = Payload.UniqueSymbol();
        await Sql.ExecuteAsync(db.Chat, """
            insert into public.user_symbols (user_id, symbol, strategy, active) values
              ($1, 'BTC/USDT', '{"n": 1}', true), ($1, 'ETH/USDT', '{}', false), ($1, $2, '{}', true)
            """, user, missing);
        var (btc, eth) = (await VersionAsync(user, "BTC/USDT"), await VersionAsync(user, "ETH/USDT"));
        // B: BTC in step, ETH tampered with at its own version, the new pair missing, DOGE active though A has
        // no such symbol, XRP a deleted symbol's inactive row (in step).
        await Sql.ExecuteAsync(db.Trading, """
            insert into public.watchers (user_id, symbol, timeframe, strategy, active, source_version) values
              ($1, 'BTC/USDT', '1h', '{"n": 1}', true, $2), ($1, 'ETH/USDT', '1h', '{}', true, $3),
              ($1, 'DOGE/USDT', '1h', '{}', true, 5), ($1, 'XRP/USDT', '1h', '{}', false, 6)
            """, user, btc, eth);
        var before = await WatchersAsync(user);

        var (dryRun, dryRunExit) = await RunAsync("--dry-run");
        Assert.Equal(0, dryRunExit);
        Assert.Equal(before, await WatchersAsync(user));
        Assert.Contains($"~ {user} ETH/USDT 1h version {eth}: differs: active in B True, in A False (or another strategy); not changed (dry run)", dryRun, StringComparison.Ordinal);

        var (report, exitCode) = await RunAsync();

        Assert.Equal(0, exitCode);
        var lines = report.Split('\n').Where(l => l.Contains(user.ToString(), StringComparison.Ordinal)).Select(l => l.TrimEnd()).Order(StringComparer.Ordinal).ToList();
        var sol = await VersionAsync(user, missing);
        Assert.Equal(
        [
            $"+ {user} {missing} 1h version {sol}: missing in B, active True; repaired",
            $"- {user} DOGE/USDT 1h version 5: active in B, not in A: deactivate; repaired",
            $"~ {user} ETH/USDT 1h version {eth}: differs: active in B True, in A False (or another strategy); repaired",
        ], lines);
        Assert.Equal(
        [
            $$"""BTC/USDT 1h t {"n": 1} {{btc}}""",
            "DOGE/USDT 1h f {} 5",
            $"ETH/USDT 1h f {{}} {eth}",
            $"{missing} 1h t {{}} {sol}",
            "XRP/USDT 1h f {} 6",
        ], await WatchersAsync(user));
        // The repair went through the receiver's write: a newly active watcher without market data got its job.
        Assert.Equal(1, await Sql.ScalarAsync<long>(db.Trading,
            "select count(*) from pgmq.q_ingest_indicators where message ->> 'user_id' = $1 and message ->> 'symbol' = $2", user.ToString(), missing));

        var (again, _) = await RunAsync();
        Assert.DoesNotContain(user.ToString(), again, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_repair_yields_to_a_newer_version_in_B_and_says_so()
    {
        var user = await db.CreateUserAsync("pro");
        await Sql.ExecuteAsync(db.Chat, "insert into public.user_symbols (user_id, symbol, active) values ($1, 'BTC/USDT', true)", user);
        var version = await VersionAsync(user, "BTC/USDT");
        // As if a later change's delivery had landed in B between the reconcile's read and its write.
        await Sql.ExecuteAsync(db.Trading,
            "insert into public.watchers (user_id, symbol, timeframe, active, source_version) values ($1, 'BTC/USDT', '1h', false, $2)", user, version + 1000);

        var (report, exitCode) = await RunAsync();

        Assert.Equal(1, exitCode);
        Assert.Contains($"~ {user} BTC/USDT 1h version {version}: differs: active in B False, in A True (or another strategy); not repaired: B holds a newer change", report, StringComparison.Ordinal);
        Assert.Equal([$"BTC/USDT 1h f {{}} {version + 1000}"], await WatchersAsync(user));
    }

    [Fact]
    public async Task An_unknown_option_is_a_usage_error()
    {
        var (output, exitCode) = await RunAsync("--force");

        Assert.Equal(2, exitCode);
        Assert.Contains("Usage: reconcile [--dry-run]", output, StringComparison.Ordinal);
    }
}
