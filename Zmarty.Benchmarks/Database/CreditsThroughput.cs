using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Zmarty.Benchmarks.Database;

/// <summary>
/// Credits: hold + settle pairs per second, for one user (every worker on the same account row:
/// fully contended) and for 1,000 users, first on an almost empty ledger and then with a
/// 1-million-row ledger loaded (half of it the contended user's), to show the cost does not
/// depend on the length of a user's history.
/// </summary>
internal static class CreditsThroughput
{
    private const int Users = 1_000;
    private const int Workers = 8;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(3);

    public static async Task RunAsync(NpgsqlDataSource source)
    {
        // 1,000 users through the signup trigger, each topped up through credits_grant so holds never run dry.
        await DatabaseBenchmarks.ExecuteAsync(source, """
            insert into auth.users (id, email)
            select gen_random_uuid(), 'bench' || i || '@example.com' from generate_series(1, $1) i
            """, Users);
        await DatabaseBenchmarks.ExecuteAsync(source,
            "select public.credits_grant(id, 1000000000, 'topup', 'bench-topup-' || id) from auth.users");
        var users = new List<Guid>();
        await using (var connection = await source.OpenConnectionAsync())
        await using (var command = new NpgsqlCommand("select id from auth.users order by email", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                users.Add(reader.GetGuid(0));
            }
        }

        Console.WriteLine();
        Console.WriteLine("| ledger rows | case | workers | hold+settle pairs/s (median of 3) | runs | p50 ms | p99 ms |");
        Console.WriteLine("|---:|---|---:|---:|---|---:|---:|");
        await RunCasesAsync(source, users);

        var load = Stopwatch.StartNew();
        await LoadHistoryAsync(source, users[0]);
        Console.WriteLine($"(loaded 1,000,000 ledger rows in {load.Elapsed.TotalSeconds:F1} s)");
        await RunCasesAsync(source, users);

        // What the blueprint's check did on every charge: sum the user's whole history.
        var naive = Stopwatch.StartNew();
        var sum = await DatabaseBenchmarks.ScalarAsync(source,
            "select sum(delta) from public.credits_ledger where user_id = $1", users[0]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Blueprint-style balance check (sum over the contended user's ledger): {naive.Elapsed.TotalMilliseconds:F1} ms per call; sum = {sum:N0}"));

        var mismatches = await DatabaseBenchmarks.ScalarAsync(source, """
            select count(*) from public.credit_accounts a
            where a.balance <> (select coalesce(sum(delta), 0) from public.credits_ledger l where l.user_id = a.user_id)
               or a.held <> 0
            """);
        if (mismatches != 0)
        {
            throw new InvalidOperationException($"{mismatches} accounts do not match their ledger");
        }

        Console.WriteLine("Every account balance equals the sum of its ledger rows; no hold left open.");
    }

    /// <summary>
    /// 1,000,000 historical grants in one statement: half for the contended user, the rest spread
    /// over everyone, with the account rows moved by the same amounts so ledger and balance agree.
    /// </summary>
    private static async Task LoadHistoryAsync(NpgsqlDataSource source, Guid contended)
    {
        await DatabaseBenchmarks.ExecuteAsync(source, """
            with users as (select array_agg(id order by id) as ids from auth.users),
            history as (
              select case when i <= 500000 then $1 else u.ids[1 + i % cardinality(u.ids)] end as user_id, i
              from users u, generate_series(1, 1000000) i
            )
            insert into public.credits_ledger (user_id, delta, provider, reason, request_id, kind, created_at)
            select user_id, 1, 'bonus', 'history', 'bench-history-' || i, 'grant', now() - interval '1 second' * i
            from history
            """, contended);
        await DatabaseBenchmarks.ExecuteAsync(source, """
            update public.credit_accounts a
            set balance = a.balance + h.n, transaction_count = a.transaction_count + h.n
            from (select user_id, count(*) as n from public.credits_ledger where reason = 'history' group by user_id) h
            where a.user_id = h.user_id
            """);
        await DatabaseBenchmarks.ExecuteAsync(source, "analyze public.credits_ledger");
        await DatabaseBenchmarks.ExecuteAsync(source, "analyze public.credit_accounts");
    }

    /// <summary>
    /// Both cases, three rounds interleaved so a burst of load from other processes on the shared
    /// machine does not land on one case only; reports the median round.
    /// </summary>
    private static async Task RunCasesAsync(NpgsqlDataSource source, List<Guid> users)
    {
        var rows = await DatabaseBenchmarks.ScalarAsync(source, "select count(*) from public.credits_ledger");
        var cases = new (string Name, IReadOnlyList<Guid> Users)[] { ("1 user (contended)", [users[0]]), ("1,000 users", users) };
        var results = cases.Select(_ => new List<(double Rate, double P50, double P99)>()).ToArray();
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < cases.Length; i++)
            {
                results[i].Add(await RunCaseAsync(source, cases[i].Users));
            }
        }

        for (var i = 0; i < cases.Length; i++)
        {
            var ordered = results[i].OrderBy(r => r.Rate).ToList();
            var median = ordered[1];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {rows:N0} | {cases[i].Name} | {Workers} | {median.Rate:N0} | {string.Join(" / ", results[i].Select(r => r.Rate.ToString("N0", CultureInfo.InvariantCulture)))} | {median.P50:F2} | {median.P99:F2} |"));
        }
    }

    private static async Task<(double Rate, double P50, double P99)> RunCaseAsync(NpgsqlDataSource source, IReadOnlyList<Guid> users)
    {
        var latencies = new List<double>[Workers];
        var pairs = 0L;
        var deadline = DateTime.UtcNow + Duration;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            var mine = latencies[w] = [];
            await using var connection = await source.OpenConnectionAsync();
            await using var hold = new NpgsqlCommand("select available from public.credits_hold($1, $2, $3)", connection);
            await using var settle = new NpgsqlCommand("select balance from public.credits_settle($1, $2, 'grok', $3::jsonb)", connection);
            hold.Parameters.Add(new NpgsqlParameter<Guid>());
            hold.Parameters.Add(new NpgsqlParameter<int> { TypedValue = 10 });
            hold.Parameters.Add(new NpgsqlParameter<string>());
            settle.Parameters.Add(new NpgsqlParameter<string>());
            settle.Parameters.Add(new NpgsqlParameter<int> { TypedValue = 6 });
            settle.Parameters.Add(new NpgsqlParameter<string> { TypedValue = """{"input_tokens":500,"output_tokens":1000}""" });
            var timer = new Stopwatch();
            while (DateTime.UtcNow < deadline)
            {
                var request = Guid.NewGuid().ToString("N");
                ((NpgsqlParameter<Guid>)hold.Parameters[0]).TypedValue = users[random.Next(users.Count)];
                ((NpgsqlParameter<string>)hold.Parameters[2]).TypedValue = request;
                ((NpgsqlParameter<string>)settle.Parameters[0]).TypedValue = request;
                timer.Restart();
                await hold.ExecuteScalarAsync();
                await settle.ExecuteScalarAsync();
                mine.Add(timer.Elapsed.TotalMilliseconds);
                Interlocked.Increment(ref pairs);
            }
        })));
        var seconds = clock.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToList();
        return (pairs / seconds, all[all.Count / 2], all[(int)(all.Count * 0.99)]);
    }
}
