using Microsoft.Extensions.DependencyInjection;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using Xunit.Abstractions;
using Zmarty.AppHost.Commands;
using Zmarty.Testing;
using Zmarty.Tests.AppHost;
using Zmarty.Tests.Database;

namespace Zmarty.Tests.Sync;

/// <summary>
/// The symbol sync through the whole system: A's trigger and outbox, the Worker's relay, the Api's
/// receiver, B's watchers; and the faults it must survive. Latency is the benchmark's business
/// (docs/benchmarks.md); these tests only wait, with a generous limit, for B to match A.
/// The tests share one system: each makes its own users, and each leaves every service running and
/// B converged, which is what the next one starts from.
/// </summary>
[Collection(AppHostSecondCollection.Name)]
public sealed class SymbolSyncTests(SymbolSyncTests.SyncSystem system, ITestOutputHelper output)
    : IClassFixture<SymbolSyncTests.SyncSystem>, IAsyncLifetime
{
    private static readonly TimeSpan s_converge = TimeSpan.FromMinutes(2);

    /// <summary>A pair no other test here changes, so its one ingestion job is this test's.</summary>
    private const string Pair = "ATOM/USDT";

    public Task InitializeAsync() => system.App.EnsureRunningAsync("supabase-a", "supabase-b", "api", "worker");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_symbol_inserted_updated_and_deleted_by_its_user_in_A_shows_in_B_watchers()
    {
        var (chat, trading) = (system.Chat, system.Trading);
        var user = await DatabaseFixture.CreateUserAsync(chat, "pro");

        var clock = Stopwatch.StartNew();
        await AsUserAsync(chat, user, $$"""
            insert into public.user_symbols (user_id, symbol, timeframe, strategy) values ($1, '{{Pair}}', '4h', '{"risk": "low"}')
            """);
        var inserted = await WaitForWatcherAsync(chat, trading, user);
        output.WriteLine($"insert visible in B after {clock.ElapsedMilliseconds} ms");
        Assert.True(inserted.Active);
        Assert.Equal("""{"risk": "low"}""", inserted.Strategy);

        // B had no market data for the pair: the new watcher got an ingestion job at once. The message is in the
        // queue (waiting or being done), or the Worker has done it: a done job's message is deleted with its run recorded.
        var jobs = await Sql.ColumnAsync<string>(trading,
            "select message::text from pgmq.q_ingest_indicators where message ->> 'symbol' = $1", Pair);
        if (jobs.Count == 0)
        {
            Assert.Equal(1L, await Sql.ScalarAsync<long>(trading,
                "select count(*) from ops.job_runs where queue = 'ingest_indicators' and symbol = $1 and timeframe = '4h'", Pair));
        }
        else
        {
            using var message = JsonDocument.Parse(Assert.Single(jobs));
            Assert.Equal(Pair, message.RootElement.GetProperty("symbol").GetString());
            Assert.Equal("4h", message.RootElement.GetProperty("timeframe").GetString());
            Assert.Equal(user, message.RootElement.GetProperty("user_id").GetGuid());
        }

        clock.Restart();
        await AsUserAsync(chat, user, """update public.user_symbols set strategy = '{"risk": "high"}', active = false where user_id = $1""");
        var updated = await WaitForWatcherAsync(chat, trading, user);
        output.WriteLine($"update visible in B after {clock.ElapsedMilliseconds} ms");
        Assert.False(updated.Active);
        Assert.Equal("""{"risk": "high"}""", updated.Strategy);
        Assert.True(updated.Version > inserted.Version);

        clock.Restart();
        await AsUserAsync(chat, user, "delete from public.user_symbols where user_id = $1");
        await SyncState.WaitUntilConvergedAsync(chat, trading, s_converge);
        output.WriteLine($"delete visible in B after {clock.ElapsedMilliseconds} ms");
        // The delete is kept as an inactive row at the delete's version, so a late older event cannot revive it.
        var deleted = Assert.Single(await SyncState.WatchersAsync(trading), w => IsOf(w.Key, user)).Value;
        Assert.False(deleted.Active);
        Assert.True(deleted.Version > updated.Version);
        // Still the pair's one job: the update and the delete sent none. (Waiting in the queue, or done, which
        // deletes its message and leaves its runs.)
        Assert.Equal(1L, await Sql.ScalarAsync<long>(trading, """
            select count(distinct msg_id) from (
              select msg_id from pgmq.q_ingest_indicators where message ->> 'symbol' = $1
              union all select msg_id from pgmq.a_ingest_indicators where message ->> 'symbol' = $1
              union all select msg_id from ops.job_runs where queue = 'ingest_indicators' and symbol = $1) sent
            """, Pair));

        // ./zmarty reconcile: the Api's command with the Api's environment finds B in step with A (exit code 0).
        var api = system.App.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<ProjectResource>().Single(p => p.Name == "api");
        Assert.Equal(0, await ApiReconcile.RunAsync(api, dryRun: true, TextWriter.Null, CancellationToken.None));
    }

    [Fact]
    public async Task With_the_api_stopped_while_1000_changes_are_made_B_converges_to_exactly_A_once_it_is_back()
    {
        var (app, chat, trading) = (system.App, system.Chat, system.Trading);
        var changes = await SymbolChanges.ForNewUsersAsync(chat, users: 10);

        await app.StopResourceAsync("api");
        await changes.MakeAsync(1000);
        Assert.Equal(1000, changes.Made);
        Assert.DoesNotContain(await SyncState.WatchersAsync(trading), w => changes.Users.Any(u => IsOf(w.Key, u)));
        Assert.True(await SyncState.PendingAsync(chat) > 0);

        await app.StartResourceAsync("api");
        await SyncState.WaitUntilConvergedAsync(chat, trading, s_converge);

        // The relay kept trying while the api was down: some of these users' events needed more than one attempt.
        Assert.True(await Sql.ScalarAsync<long>(chat, """
            select count(*) from public.user_symbols_outbox
            where attempts > 1 and (coalesce(nullif(payload -> 'record', 'null'), payload -> 'old_record') ->> 'user_id')::uuid = any($1)
            """, changes.Users.ToArray()) > 0);
        Assert.Equal(0, await Sql.ScalarAsync<long>(chat, "select count(*) from public.user_symbols_outbox where delivered_at is null"));
    }

    [Fact]
    public async Task The_relay_killed_mid_batch_and_restarted_loses_nothing_and_applies_nothing_out_of_order()
    {
        var (app, chat, trading) = (system.App, system.Chat, system.Trading);
        await RecordWatcherWritesAsync(trading);
        try
        {
            var changes = await SymbolChanges.ForNewUsersAsync(chat, users: 8);
            using var limit = new CancellationTokenSource(s_converge);

            var making = changes.MakeAsync(2000);
            // A lane between its claim and its commit: the claimed rows' locks are held by an open transaction. (The
            // claim is known by its start: pg_stat_activity keeps only a statement's first kilobyte.)
            while (!await Sql.ScalarAsync<bool>(chat, """
                       select exists (
                         select 1 from pg_stat_activity
                         where state = 'idle in transaction'
                           and query like 'select o.id, o.event_id, o.payload::text%from public.user_symbols_outbox o%')
                       """))
            {
                limit.Token.ThrowIfCancellationRequested();
            }

            await app.KillServiceAsync("worker", limit.Token);
            await making;
            await app.StartResourceAsync("worker", limit.Token);
            await SyncState.WaitUntilConvergedAsync(chat, trading, s_converge);

            // Applied in order: every key's writes in B came with increasing versions.
            var writes = await Sql.ColumnAsync<string>(trading, """
                select key from (
                  select key, version, lag(version) over (partition by key order by seq) as previous from test_watcher_writes
                ) w where previous >= version
                """);
            Assert.Empty(writes);
            // Delivered in order: within a key, an event was delivered only after every earlier one.
            var overtaken = await Sql.ColumnAsync<long>(chat, """
                select id from (
                  select id, delivered_at,
                         lag(delivered_at) over (partition by r ->> 'user_id', r ->> 'symbol', r ->> 'timeframe' order by id) as previous
                  from public.user_symbols_outbox
                  cross join lateral (select coalesce(nullif(payload -> 'record', 'null'), payload -> 'old_record') as r) row
                  where (r ->> 'user_id')::uuid = any($1)
                ) e where previous >= delivered_at
                """, changes.Users.ToArray());
            Assert.Empty(overtaken);
            Assert.Equal(2000, changes.Made);
        }
        finally
        {
            // The next test on this system should not pay for the audit.
            await Sql.ExecuteAsync(trading, "drop function test_record_watcher_write() cascade; drop table test_watcher_writes");
        }
    }

    [Fact]
    public async Task With_B_stopped_for_10_seconds_during_changes_B_converges_once_it_is_back()
    {
        var (app, chat, trading) = (system.App, system.Chat, system.Trading);
        var changes = await SymbolChanges.ForNewUsersAsync(chat, users: 6);

        var making = changes.MakeAsync(600, pause: TimeSpan.FromMilliseconds(100));
        await Task.Delay(TimeSpan.FromSeconds(1));
        await app.StopResourceAsync("supabase-b");
        var madeWhileDown = changes.Made;
        await Task.Delay(TimeSpan.FromSeconds(10));
        madeWhileDown = changes.Made - madeWhileDown;
        await app.StartResourceAsync("supabase-b");
        await making;

        await SyncState.WaitUntilConvergedAsync(chat, trading, s_converge);
        output.WriteLine($"{changes.Made} changes, {madeWhileDown} of them while B was down");
        Assert.True(madeWhileDown > 0);
    }

    [Fact]
    public async Task With_A_restarted_while_events_are_being_delivered_nothing_is_lost_and_new_changes_still_arrive()
    {
        var (app, chat, trading) = (system.App, system.Chat, system.Trading);
        var changes = await SymbolChanges.ForNewUsersAsync(chat, users: 6);
        await app.StopResourceAsync("api");
        await changes.MakeAsync(600);

        // The relay works through the backlog when A goes away under it, and comes back with A.
        await app.StartResourceAsync("api");
        await app.StopResourceAsync("supabase-a");
        await app.StartResourceAsync("supabase-a");
        await SyncState.WaitUntilConvergedAsync(chat, trading, s_converge);

        await new SymbolChanges(chat, [await DatabaseFixture.CreateUserAsync(chat, "enterprise")], seed: 99).MakeAsync(50);
        await SyncState.WaitUntilConvergedAsync(chat, trading, s_converge);
    }

    /// <summary>
    /// The whole system, and A and B to read and write. Failed deliveries come back within 2 s, so a test that
    /// stops a part need not wait out the default 30 s cap.
    /// </summary>
    public sealed class SyncSystem : IAsyncLifetime
    {
        private TestSystem? _app;

        public TestSystem App => _app ?? throw new InvalidOperationException("The system is not started.");

        public NpgsqlDataSource Chat { get; private set; } = null!;

        public NpgsqlDataSource Trading { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            _app = await TestSystem.StartAsync(builder =>
                builder.GetResource<ProjectResource>("worker").WithEnvironment("Relay__MaxRetryDelay", "00:00:02"));
            Chat = NpgsqlDataSource.Create(_app.GetConnectionString("chat"));
            Trading = NpgsqlDataSource.Create(_app.GetConnectionString("trading"));
        }

        public async Task DisposeAsync()
        {
            await Chat.DisposeAsync();
            await Trading.DisposeAsync();
            await App.DisposeAsync();
        }
    }

    private static async Task AsUserAsync(NpgsqlDataSource chat, Guid user, string sql)
    {
        await using var request = await Sql.BeginAsRoleAsync(chat, "authenticated", user);
        await Sql.ExecuteAsync(request.Connection, sql, user);
        await request.Transaction.CommitAsync();
    }

    /// <summary>Waits until the user's one watcher in B matches their one symbol in A, and returns it.</summary>
    private static async Task<SyncRow> WaitForWatcherAsync(NpgsqlDataSource chat, NpgsqlDataSource trading, Guid user)
    {
        await SyncState.WaitUntilConvergedAsync(chat, trading, s_converge);
        return Assert.Single(await SyncState.WatchersAsync(trading), w => IsOf(w.Key, user)).Value;
    }

    /// <summary>Whether a row key of <see cref="SyncState"/> ("user symbol timeframe") is the user's.</summary>
    private static bool IsOf(string key, Guid user) => key.StartsWith(user.ToString(), StringComparison.Ordinal);

    /// <summary>
    /// A test-only audit of every row B's watchers receives, in the order it was written; its trigger
    /// runs as its owner, since the Api's role has no right on the audit table.
    /// </summary>
    private static async Task RecordWatcherWritesAsync(NpgsqlDataSource trading) =>
        await Sql.ExecuteAsync(trading, """
            create table test_watcher_writes (seq bigserial primary key, key text not null, version bigint);
            create function test_record_watcher_write() returns trigger language plpgsql security definer set search_path = public as $$
            begin
              insert into test_watcher_writes (key, version)
              values (concat_ws(' ', new.user_id, new.symbol, new.timeframe), new.source_version);
              return null;
            end;
            $$;
            create trigger test_record_watcher_write after insert or update on public.watchers
              for each row execute function test_record_watcher_write();
            """);
}
