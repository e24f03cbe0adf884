using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;
using Zmarty.AppHost.Commands;
using Zmarty.Testing;
using Zmarty.Benchmarks.Database;

namespace Zmarty.Benchmarks.Chat;

/// <summary>
/// Zmarty's own overhead per chat (total time less the time spent waiting on the provider, as the Api
/// reports it in <c>metadata.overhead_ms</c>) at rising open-loop request rates, against the zero-latency
/// emulators, with credits and context on, JSON and streamed. Checks the accounting: every answered
/// request's ledger row holds exactly the credits its response reported, and once the requests still
/// running on the server (those a client gave up on) have finished, no hold is open and every balance
/// equals the sum of its ledger.
/// </summary>
public static class ChatOverhead
{
    private const int Users = 400;

    /// <summary>
    /// --history: each user's chats continue a conversation seeded with 10 turns, and enterprise's budget is set to what
    /// 10 such turns take (8 + 50 tokens, + 4 a message), so every chat carries about 10 turns while the benchmark adds more.
    /// </summary>
    private const int HistoryTurns = 10;

    private const int SeededQuestionTokens = 8;
    private const int SeededAnswerTokens = 50;
    private const int HistoryBudget = HistoryTurns * (SeededQuestionTokens + 4 + SeededAnswerTokens + 4);
    private static readonly int[] s_rates = [100, 250, 500, 750, 1000];
    private static readonly TimeSpan s_step = TimeSpan.FromSeconds(10);

    public static bool Handles(string[] args) => args is ["chat", ..];

    public static async Task<int> RunAsync(string[] args)
    {
        // --dashboard: the services export their telemetry to the developer dashboard, as under ./zmarty up.
        var withDashboard = args.Contains("--dashboard");
        // --keys: every request carries a new Idempotency-Key, as the TypeScript client sends one.
        var withKeys = args.Contains("--keys");
        var withHistory = args.Contains("--history");
        args = [.. args.Where(a => a is not ("--dashboard" or "--keys" or "--history"))];
        var rates = args.Length > 1 ? args[1].Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture)).ToArray() : s_rates;
        Console.WriteLine(
            $"Starting the whole system ({Environment.ProcessorCount} cores visible); load average {DatabaseBenchmarks.LoadAverage()}");
        // The chat path is the Api, A, B and the providers. The Worker would ingest the benchmark users'
        // symbols from the emulators meanwhile and the AdminUi poll B: load of other features, which in a
        // deployment runs elsewhere, taking the same two cores.
        var builder = await TestSystem.CreateBuilderAsync(withDashboard);
        builder.RemoveResource("worker");
        builder.RemoveResource("admin");
        if (withHistory)
        {
            builder.GetResource<ProjectResource>("api")
                .WithEnvironment("Chat__Tiers__enterprise__HistoryTokens", HistoryBudget.ToString(CultureInfo.InvariantCulture));
        }

        await using var app = await TestSystem.StartAsync(builder);
        Console.WriteLine(withDashboard
            ? "Telemetry: exported to the dashboard over OTLP/gRPC."
            : "Telemetry: not exported (no dashboard).");
        Console.WriteLine(withKeys ? "Idempotency-Key: a new one on every request." : "Idempotency-Key: none.");
        Console.WriteLine(withHistory
            ? $"History: each chat continues a conversation of {HistoryTurns} turns (budget {HistoryBudget} tokens)."
            : "History: none (each chat starts a conversation).");
        await using var chat = NpgsqlDataSource.Create(app.GetConnectionString("chat"));
        await using var trading = NpgsqlDataSource.Create(app.GetConnectionString("trading"));
        var users = await CreateUsersAsync(app, chat, trading, withHistory);
        var api = Process.GetProcessById(app.ServiceProcessId("api"));
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 512, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var http = new HttpClient(handler)
        {
            BaseAddress = app.GetEndpoint("api"),
            Timeout = TimeSpan.FromSeconds(30),
        };

        Console.WriteLine($"Each mode warms up first: 5 s at 100 RPS, then 15 s at {rates[0]} RPS.");
        Console.WriteLine();
        Console.WriteLine("| mode | target RPS | achieved RPS | ok | errors | overhead p50 / p95 / p99 ms | " +
            "client latency p50 / p99 ms | load gen CPU | Api CPU | load avg | wrong charges |");
        Console.WriteLine("|---|---:|---:|---:|---:|---|---|---:|---:|---|---:|");
        var failures = 0;
        foreach (var stream in new[] { false, true })
        {
            // Until the code the steps run is compiled at its final tier and the pools have grown (after 10 s, the first
            // step's p99 was still several times the next one's at the same rate, with twice the Api's CPU), and again
            // for the second mode, which would otherwise start in the wake of the first mode's saturated step.
            await RunStepAsync(http, users, 100, TimeSpan.FromSeconds(5), stream, withKeys);
            await RunStepAsync(http, users, rates[0], TimeSpan.FromSeconds(15), stream, withKeys);
            foreach (var rate in rates)
            {
                var apiCpu = api.TotalProcessorTime;
                var step = await RunStepAsync(http, users, rate, s_step, stream, withKeys);
                api.Refresh();
                var apiShare = (api.TotalProcessorTime - apiCpu).TotalSeconds / step.Wall.TotalSeconds;
                var wrong = await WrongChargesAsync(chat, step.Charges);
                failures += wrong;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {(stream ? "SSE" : "JSON")} | {rate} | {step.Ok / step.Wall.TotalSeconds:F0} | {step.Ok} | {step.Errors} | " +
                    $"{Percentile(step.Overhead, 50):F2} / {Percentile(step.Overhead, 95):F2} / {Percentile(step.Overhead, 99):F2} | " +
                    $"{Percentile(step.Latency, 50):F1} / {Percentile(step.Latency, 99):F1} | {step.GeneratorCpu:P0} | {apiShare:P0} | " +
                    $"{DatabaseBenchmarks.LoadAverage()} | {wrong} |"));
            }
        }

        // Requests a client gave up on still run to their end on the server (and are charged, once).
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (await ScalarAsync(chat, "select count(*) from public.credit_holds where status = 'held'") > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
        }

        var mismatched = await ScalarAsync(chat, """
            select count(*) from public.credit_accounts a
            where a.balance <> (select coalesce(sum(delta), 0) from public.credits_ledger l where l.user_id = a.user_id) or a.held <> 0
            """);
        Console.WriteLine(mismatched == 0 && failures == 0
            ? "Accounting: every answered request's ledger row equals its credits_charged; every balance equals its ledger; no hold open."
            : $"Accounting errors: {failures} wrong charges, {mismatched} accounts out of step or holding.");
        return mismatched == 0 && failures == 0 ? 0 : 1;
    }

    private sealed record StepResult(
        TimeSpan Wall, int Ok, int Errors, List<(string RequestId, int Credits)> Charges, List<double> Overhead, List<double> Latency,
        double GeneratorCpu);

    /// <summary>Open loop: request i is sent at i / rate seconds whether or not earlier ones have answered.</summary>
    private static async Task<StepResult> RunStepAsync(
        HttpClient http, BenchUser[] tokens, int rate, TimeSpan duration, bool stream, bool withKeys)
    {
        var overhead = new ConcurrentBag<double>();
        var latency = new ConcurrentBag<double>();
        var charges = new ConcurrentBag<(string, int)>();
        int ok = 0, errors = 0;
        var total = (int)(rate * duration.TotalSeconds);
        var pending = new List<Task>(total);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / rate);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }

            var token = tokens[i % tokens.Length];
            pending.Add(Task.Run(async () =>
            {
                var sent = Stopwatch.GetTimestamp();
                try
                {
                    var (status, overheadMs, requestId, credits) = await ChatAsync(http, token, stream, withKeys);
                    if (status == HttpStatusCode.OK)
                    {
                        latency.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                        overhead.Add(overheadMs);
                        charges.Add((requestId, credits));
                        Interlocked.Increment(ref ok);
                    }
                    else
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
                {
                    Interlocked.Increment(ref errors);
                }
            }));
        }

        await Task.WhenAll(pending);
        var wall = clock.Elapsed;
        var generatorCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds / wall.TotalSeconds
            / Environment.ProcessorCount;
        return new StepResult(wall, ok, errors, [.. charges], [.. overhead], [.. latency], generatorCpu);
    }

    /// <summary>A benchmark user's token, and the conversation its chats continue (null: each starts one).</summary>
    private sealed record BenchUser(string Token, Guid? Conversation);

    private static async Task<(HttpStatusCode Status, double OverheadMs, string RequestId, int Credits)> ChatAsync(
        HttpClient http, BenchUser user, bool stream, bool withKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/chat")
        {
            Content = JsonContent.Create(new { message = "How does BTC look right now?", stream, conversation_id = user.Conversation }),
        };
        request.Headers.Authorization = new("Bearer", user.Token);
        if (withKey)
        {
            request.Headers.Add("Idempotency-Key", $"bench-{Guid.NewGuid():N}");
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (response.StatusCode, 0, "", 0);
        }

        var body = await response.Content.ReadAsStringAsync();
        var json = stream ? body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)[^1]["data: ".Length..] : body;
        using var reply = JsonDocument.Parse(json);
        var root = reply.RootElement;
        var metadata = root.GetProperty("metadata");
        return (response.StatusCode, metadata.GetProperty("overhead_ms").GetDouble(), metadata.GetProperty("request_id").GetString()!,
            root.GetProperty("credits_charged").GetInt32());
    }

    /// <summary>Enterprise users with a large balance, three watched symbols each, and signals and win rates for them in B.</summary>
    private static async Task<BenchUser[]> CreateUsersAsync(
        TestSystem app, NpgsqlDataSource chat, NpgsqlDataSource trading, bool withHistory)
    {
        await ExecuteAsync(chat,
            "insert into auth.users (id, email) select gen_random_uuid(), 'chatbench' || i || '@example.com' from generate_series(1, $1) i",
            Users);
        await ExecuteAsync(chat, "update public.user_profiles set tier = 'enterprise'");
        await ExecuteAsync(chat, "select public.credits_grant(id, 100000000, 'topup', 'bench-' || id) from auth.users");
        await ExecuteAsync(chat, """
            insert into public.user_symbols (user_id, symbol, timeframe)
            select u.id, s, '1h' from auth.users u, unnest(array['BTC/USDT', 'ETH/USDT', 'SOL/USDT']) s
            """);
        await ExecuteAsync(trading, """
            insert into public.signals (symbol, timeframe, at, direction, score, entry_price, stop_loss, take_profit, confidence)
            select s, '1h', now() - interval '1 hour', 'long', 0.7, 100, 98, array[102, 105, 110], 0.6
            from unnest(array['BTC/USDT', 'ETH/USDT', 'SOL/USDT']) s;
            insert into public.win_rate (symbol, timeframe, lookback_days, win_rate, sample_size)
            select s, '1h', 30, 0.55, 40 from unnest(array['BTC/USDT', 'ETH/USDT', 'SOL/USDT']) s
            """);
        if (withHistory)
        {
            // As chat_settle writes them: a question and its answer per turn, with their token counts.
            await ExecuteAsync(chat, "insert into public.conversations (user_id, title) select id, 'Bench' from auth.users");
            await ExecuteAsync(chat, """
                insert into public.conversation_messages (
                  conversation_id, user_id, role, content, content_tokens, provider, request_id)
                select c.id, c.user_id, m.role, m.content, m.tokens, m.provider, 'bench-history:' || c.id || ':' || t
                from public.conversations c, generate_series(1, $1) t,
                     (values ('user', 'How does BTC look right now?', $2, null),
                             ('assistant', repeat('BTC holds its range; ', 12), $3, 'grok')) m (role, content, tokens, provider)
                order by c.id, t, m.role desc
                """, HistoryTurns, SeededQuestionTokens, SeededAnswerTokens);
        }

        var users = new List<BenchUser>();
        await using var command = chat.CreateCommand("""
            select u.id, u.email, (select c.id from public.conversations c where c.user_id = u.id)
            from auth.users u order by u.email
            """);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            users.Add(new BenchUser(
                DevTokens.CreateAccessToken(
                    app.GetParameterValue("jwt-secret"), reader.GetGuid(0), reader.GetString(1), DateTimeOffset.UtcNow,
                    TimeSpan.FromHours(4)),
                reader.IsDBNull(2) ? null : reader.GetGuid(2)));
        }

        return [.. users];
    }

    /// <summary>Answered requests whose ledger charge is not exactly the credits their response reported.</summary>
    private static async Task<int> WrongChargesAsync(NpgsqlDataSource chat, List<(string RequestId, int Credits)> charges)
    {
        await using var command = chat.CreateCommand("""
            select count(*) from unnest($1::text[], $2::int[]) as r (request_id, credits)
            where r.credits <> coalesce(
              (select -sum(l.delta) from public.credits_ledger l where l.kind = 'charge' and l.request_id = r.request_id), 0)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = charges.Select(c => c.RequestId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = charges.Select(c => c.Credits).ToArray() });
        return Convert.ToInt32(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource source, string sql)
    {
        await using var command = source.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(NpgsqlDataSource source, string sql, params object[] args)
    {
        await using var command = source.CreateCommand(sql);
        foreach (var arg in args)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = arg });
        }

        await command.ExecuteNonQueryAsync();
    }

    private static double Percentile(List<double> values, int percentile)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        values.Sort();
        return values[Math.Min(values.Count - 1, (int)Math.Ceiling(percentile / 100.0 * values.Count) - 1)];
    }
}
