using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using System.Diagnostics;
using System.Net.Http.Json;
using Npgsql;
using Xunit.Abstractions;
using Zmarty.AppHost.Commands;
using Zmarty.Testing;
using Zmarty.Emulators.Market;
using Zmarty.Tests.AppHost;
using Zmarty.Tests.Chat;
using Zmarty.Tests.Database;
using Zmarty.Tests.Pipeline;
using Zmarty.Tests.Sync;

namespace Zmarty.Tests.Reliability;

/// <summary>
/// The whole system under a steady mix of chats (JSON and SSE), symbol changes in A and ingest jobs,
/// while one fault after another strikes: the Worker killed outright mid-job, Supabase A restarted
/// during chats, a provider's stream broken mid-reply, the Api stopped during webhook deliveries.
/// After each: every reply a client holds is charged exactly once and nothing else is, no hold stays
/// held, B's watchers equal A's symbols, and every queued job is done, none twice. The figures of a
/// run are in docs/reliability.md.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class FaultSuiteTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_settle = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Under_each_fault_no_reply_is_free_or_paid_twice_no_hold_stays_B_follows_A_and_every_job_is_done_once()
    {
        await using var system = await FaultSystem.StartAsync();
        var load = await ChatLoad.ForNewUsersAsync(system.App, count: 4);
        var symbols = await SymbolWriter.ForNewUsersAsync(system.Chat, users: 4);
        var totals = (Rows: 0, Credits: 0L, Changes: 0, Succeeded: 0L, Retried: 0L);
        output.WriteLine("| fault | chats | delivered and charged | refused or failed, not charged | charge rows | credits | " +
            "symbol changes | jobs succeeded | jobs retried |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");

        await RunPhaseAsync("Worker killed (SIGKILL) mid-job", () => KillWorkerMidJobAsync(system));
        await RunPhaseAsync("Supabase A restarted during chats", async () =>
        {
            // Slow replies, so that many are streaming when A goes and must be settled while it is away.
            await system.SetProviderFaultAsync("xai", new { latency_ms = 300, token_latency_ms = 100, reply_tokens = 25 });
            await Task.Delay(TimeSpan.FromSeconds(2));
            await system.App.StopResourceAsync("supabase-a");
            await Task.Delay(TimeSpan.FromSeconds(3));
            await system.App.StartResourceAsync("supabase-a");
            await system.SetProviderFaultAsync("xai", new { mode = "ok" });
        });
        await RunPhaseAsync("provider stream broken mid-reply", async () =>
        {
            await system.SetProviderFaultAsync("xai", new { mode = "break_stream", break_after = 5, times = 20 });
            await Task.Delay(TimeSpan.FromSeconds(4));
            await system.SetProviderFaultAsync("xai", new { mode = "ok" });
        });
        await RunPhaseAsync("Api stopped during webhook deliveries", async () =>
        {
            await system.App.StopResourceAsync("api");
            await Task.Delay(TimeSpan.FromSeconds(4));
            await system.App.StartResourceAsync("api");
        });

        async Task RunPhaseAsync(string fault, Func<Task> strike)
        {
            var before = load.Seen.Count;
            using var stop = new CancellationTokenSource();
            var chatting = load.RunAsync(stop.Token);
            var writing = symbols.RunAsync(stop.Token);
            await Task.Delay(TimeSpan.FromSeconds(2));
            await strike();
            await Task.Delay(TimeSpan.FromSeconds(3));
            await stop.CancelAsync();
            await Task.WhenAll(chatting, writing);

            var phase = load.Seen.Skip(before).ToList();
            Assert.Contains(phase, chat => chat.Charged is not null);
            await AssertNoHoldStaysAsync(system, load);
            var (rows, credits) = await AssertEachDeliveredReplyChargedOnceAsync(system, load);
            await SyncState.WaitUntilConvergedAsync(system.Chat, system.Trading, s_settle);
            var (succeeded, retried) = await AssertEveryJobDoneOnceAsync(system);
            output.WriteLine(
                $"| {fault} | {phase.Count} | {phase.Count(c => c.Delivered)} | {phase.Count(c => !c.Delivered)} | " +
                $"{rows - totals.Rows} | {credits - totals.Credits} | {symbols.Made - totals.Changes} | " +
                $"{succeeded - totals.Succeeded} | {retried - totals.Retried} |");
            totals = (rows, credits, symbols.Made, succeeded, retried);
        }
    }

    /// <summary>The Worker dies while the provider is still answering one of its jobs; a new Worker takes over.</summary>
    private static async Task KillWorkerMidJobAsync(FaultSystem system)
    {
        await system.SetMarketFaultAsync(new Fault("ohlcv", FaultMode.Slow, Times: 1, Symbol: "KILLED", DelayMilliseconds: 4000));
        var job = await Sql.ScalarAsync<long>(
            system.Trading, "select pgmq.send('ingest_indicators', jsonb_build_object('symbol', 'KILLED/USDT', 'timeframe', '4h'))");
        await PipelineSystem.EventuallyAsync(
            async () => await Sql.ScalarAsync<long>(system.Trading,
                "select count(*) from pgmq.q_ingest_indicators where msg_id = $1 and read_ct >= 1", job) == 1 ? "" : null,
            "the Worker to take the job");
        await system.App.KillServiceAsync("worker");

        await system.App.StartResourceAsync("worker");
    }

    private static async Task AssertNoHoldStaysAsync(FaultSystem system, ChatLoad load)
    {
        var users = load.Users.ToArray();
        long held = -1;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < s_settle)
        {
            held = await Sql.ScalarAsync<long>(
                system.Chat, "select count(*) from public.credit_holds where status = 'held' and user_id = any($1)", users);
            if (held == 0)
            {
                return;
            }

            await Task.Delay(200);
        }

        Assert.Fail($"{held} hold(s) still held {s_settle.TotalSeconds:0} s after the fault");
    }

    /// <summary>
    /// Every charge row belongs to a chat whose client holds a reply, one row a chat, of the amount its
    /// <c>done</c> or JSON reply stated; a chat that delivered nothing has none. Returns the rows and credits.
    /// </summary>
    private static async Task<(int Rows, long Credits)> AssertEachDeliveredReplyChargedOnceAsync(FaultSystem system, ChatLoad load)
    {
        var charges = new List<(string Key, int Amount)>();
        await using (var command = Sql.Command(system.Chat,
            "select request_id, -delta from public.credits_ledger where kind = 'charge' and user_id = any($1)", load.Users.ToArray()))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                // chat:{user}:{idempotency key}:{attempt}:{provider}
                charges.Add((reader.GetString(0).Split(':')[2], reader.GetInt32(1)));
            }
        }

        var byKey = charges.GroupBy(c => c.Key).ToDictionary(g => g.Key, g => g.Select(c => c.Amount).ToList());
        Assert.All(byKey, key => Assert.True(key.Value.Count == 1, $"chat {key.Key} was charged {key.Value.Count} times"));
        var seen = load.Seen.ToDictionary(chat => chat.Key);
        Assert.All(byKey.Keys, key => Assert.True(seen.ContainsKey(key), $"chat {key} was charged but no client made it"));
        foreach (var chat in seen.Values)
        {
            var charged = byKey.GetValueOrDefault(chat.Key);
            if (!chat.Delivered)
            {
                Assert.True(charged is null,
                    $"chat {chat.Key} delivered nothing ({chat.Status}: {chat.Error}) but was charged {charged?[0]}");
            }
            else if (chat.Charged is { } told)
            {
                Assert.True(charged is [var amount] && amount == told,
                    $"chat {chat.Key} was told {told} credits, the ledger has {charged?[0]}");
            }
            else
            {
                Assert.True(charged is [_],
                    $"chat {chat.Key} delivered {chat.Tokens} tokens without done ({chat.Error}) and has no charge");
            }
        }

        return (charges.Count, charges.Sum(c => (long)c.Amount));
    }

    /// <summary>Every queue drains; no message has two successful runs, and every message that ran has a final run.</summary>
    private static async Task<(long Succeeded, long Retried)> AssertEveryJobDoneOnceAsync(FaultSystem system)
    {
        await PipelineSystem.EventuallyAsync(
            async () => await Sql.ScalarAsync<long>(
                system.Trading, "select coalesce(sum(queue_length), 0)::bigint from ops.queue_metrics()") == 0 ? "" : null,
            "every queue to drain");
        Assert.Equal(0L, await Sql.ScalarAsync<long>(system.Trading, """
            select count(*) from (
              select queue, msg_id from ops.job_runs group by queue, msg_id
              having count(*) filter (where outcome = 'succeeded') > 1
                  or count(*) filter (where outcome <> 'retrying') = 0) twice_or_never
            """));
        return (await Sql.ScalarAsync<long>(system.Trading, "select count(*) from ops.job_runs where outcome = 'succeeded'"),
            await Sql.ScalarAsync<long>(system.Trading, "select count(*) from ops.job_runs where outcome = 'retrying'"));
    }

    /// <summary>All services (no dashboard), with retries and timeouts short enough for a test.</summary>
    private sealed class FaultSystem(TestSystem app) : IAsyncDisposable
    {
        private readonly HttpClient _emulators = app.CreateHttpClient("emulators");

        public TestSystem App => app;

        public NpgsqlDataSource Chat { get; } = NpgsqlDataSource.Create(app.GetConnectionString("chat"));

        public NpgsqlDataSource Trading { get; } = NpgsqlDataSource.Create(app.GetConnectionString("trading"));

        public static async Task<FaultSystem> StartAsync() => new(await TestSystem.StartAsync(builder =>
        {
            builder.GetResource<ProjectResource>("worker")
                .WithEnvironment("Relay__MaxRetryDelay", "00:00:02")
                .WithEnvironment("Queues__VisibilityTimeoutSeconds", "10")
                .WithEnvironment("Queues__RetryDelaySeconds", "1")
                .WithEnvironment("Queues__PollIntervalMilliseconds", "100");
            builder.GetResource<ProjectResource>("api")
                .WithEnvironment("Chat__Router__Timeout", "00:00:05")
                .WithEnvironment("Chat__Router__MinimumThroughput", "1000000")
                .WithEnvironment("Credits__ReleaseExpiredEvery", "00:00:01");
        }));

        public async Task SetProviderFaultAsync(string vendor, object fault) =>
            (await _emulators.PutAsJsonAsync($"/control/{vendor}", fault)).EnsureSuccessStatusCode();

        public async Task SetMarketFaultAsync(Fault fault) =>
            (await _emulators.PostAsJsonAsync("/market/faults", fault, MarketJson.Options)).EnsureSuccessStatusCode();

        public async ValueTask DisposeAsync()
        {
            _emulators.Dispose();
            await Chat.DisposeAsync();
            await Trading.DisposeAsync();
            await app.DisposeAsync();
        }
    }
}
