using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Zmarty.Testing;
using Zmarty.Benchmarks.Database;

namespace Zmarty.Benchmarks.Sync;

/// <summary>
/// The symbol sync end to end on the whole local system (A, relay, receiver, B): latency from an
/// insert into A.user_symbols to the row's commit in B.watchers, at steady rates. Each step inserts
/// <see cref="ChangesPerStep"/> new symbols (fresh users, 10 symbols × 8 timeframes each, so pairs
/// repeat across users as popular pairs do) at a fixed rate from 16 connections, and timestamps each
/// row's arrival by a NOTIFY that a benchmark-only trigger on B.watchers sends at commit. A row that
/// has not arrived 60 s after the last insert counts as late (left out of the percentiles); after
/// the last step B is compared with A row by row, which is the check that nothing was lost.
/// </summary>
internal static class SyncLatency
{
    private const int ChangesPerStep = 10_000;
    private const int Writers = 16;
    private static readonly string[] s_symbols = [.. Enumerable.Range(0, 10).Select(i => $"S{i:D2}/USDT")];
    private static readonly string[] s_timeframes = ["1m", "5m", "15m", "30m", "1h", "4h", "1d", "1w"];

    public static bool Handles(string[] args) => args is ["sync", ..];

    /// <summary>
    /// <c>sync [--phases] [rate ...]</c>: the rates to run, changes per second (default 250 500 1000 1500 2000 2500). With
    /// <c>--phases</c>, also where the time went (<see cref="SyncPhases"/>), which loads the services with Debug lines.
    /// </summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var withPhases = args.Contains("--phases");
        var numbers = args.Skip(1).Where(a => a != "--phases").ToArray();
        int[] rates = numbers.Length > 0
            ? [.. numbers.Select(a => int.Parse(a, CultureInfo.InvariantCulture))]
            : [250, 500, 1000, 1500, 2000, 2500];
        var started = Stopwatch.StartNew();
        Console.WriteLine($"Starting the whole local system ({Environment.ProcessorCount} cores visible)...");
        await using var app = await TestSystem.StartAsync(withPhases ? SyncPhases.Configure : null);
        using var stopWatching = new CancellationTokenSource();
        var phases = withPhases ? SyncPhases.Watch(app, stopWatching.Token) : null;
        Console.WriteLine($"Ready in {started.Elapsed.TotalSeconds:F1} s. Load average (1/5/15 min): {DatabaseBenchmarks.LoadAverage()}");
        await using var chat = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(app.GetConnectionString("chat")) { MaxPoolSize = Writers + 4 }.ConnectionString);
        await using var trading = NpgsqlDataSource.Create(app.GetConnectionString("trading"));
        await DatabaseBenchmarks.ExecuteAsync(trading, """
            create function bench_watcher_arrived() returns trigger language plpgsql as $$
            begin
              perform pg_notify('bench_watchers', concat_ws(' ', new.user_id, new.symbol, new.timeframe));
              return null;
            end;
            $$;
            create trigger bench_watcher_arrived after insert on public.watchers for each row execute function bench_watcher_arrived();
            """);

        Console.WriteLine();
        Console.WriteLine("| target rate /s | achieved insert rate /s | changes | late (> 60 s) | p50 ms | p95 ms | p99 ms | max ms | load avg (1 min) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var sustained = 0;
        var breakdown = new List<string>();
        foreach (var rate in rates)
        {
            phases?.Clear();
            var step = await RunStepAsync(chat, trading, rate);
            breakdown.Add(string.Create(CultureInfo.InvariantCulture,
                $"| **{rate:N0}/s** | first 10 % of the changes: p50 {Pct(step.Early, 0.5):F1}, p99 {Pct(step.Early, 0.99):F1} ms; " +
                $"the rest: p50 {Pct(step.Steady, 0.5):F1}, p99 {Pct(step.Steady, 0.99):F1} ms | | | | |"));
            breakdown.AddRange(phases?.TakeRows() ?? []);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {rate:N0} | {step.InsertRate:N0} | {step.Sent:N0} | {step.Late} | {step.P(0.50):F1} | {step.P(0.95):F1} | {step.P(0.99):F1} | {step.P(1):F1} | {DatabaseBenchmarks.LoadAverage().Split(' ')[0]} |"));
            if (step.Late == 0 && step.P(0.99) < 250 && step.InsertRate >= rate * 0.95)
            {
                sustained = Math.Max(sustained, rate);
            }
        }

        Console.WriteLine();
        Console.WriteLine("Each step's first tenth of changes against the rest" +
            (withPhases ? ", and where the time went (ms; the relay's batches and the receiver's writes, from their Debug lines):" : ":"));
        Console.WriteLine();
        Console.WriteLine("| phase | samples | p50 | p95 | p99 | max |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        breakdown.ForEach(Console.WriteLine);
        await stopWatching.CancelAsync();

        var differences = await DifferencesAsync(chat, trading);
        Console.WriteLine();
        // Retries explain a long tail: a 503 (the receiver's 1 s budget) or a timeout puts an event in backoff.
        await using (var retried = chat.CreateCommand("""
            select attempts, count(*), coalesce(left(min(last_error), 80), '') from public.user_symbols_outbox
            where attempts > 1 group by attempts order by attempts
            """))
        await using (var reader = await retried.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                Console.WriteLine($"{reader.GetInt64(1):N0} event(s) delivered at attempt {reader.GetInt32(0)}; a last error: {reader.GetString(2)}");
            }
        }

        Console.WriteLine($"Highest rate run with p99 under 250 ms and none late: {sustained:N0} changes/s.");
        Console.WriteLine($"B compared with A after the run (lost or wrong rows): {differences} difference(s).");
        Console.WriteLine($"Load average at the end (1/5/15 min): {DatabaseBenchmarks.LoadAverage()}");
        return differences > 0 ? 1 : 0;
    }

    /// <summary>A step's latencies, in all and split into its first tenth of changes (start-up, if any) and the rest.</summary>
    private sealed record Step(int Sent, double InsertRate, int Late, double[] LatenciesMs, double[] Early, double[] Steady)
    {
        public double P(double quantile) => Pct(LatenciesMs, quantile);
    }

    /// <summary>The <paramref name="quantile"/> of ascending values (nearest rank); NaN when there are none.</summary>
    internal static double Pct(double[] sorted, double quantile) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(quantile * sorted.Length) - 1)];

    private static async Task<Step> RunStepAsync(NpgsqlDataSource chat, NpgsqlDataSource trading, int rate)
    {
        var keysPerUser = s_symbols.Length * s_timeframes.Length;
        var users = new List<Guid>();
        for (var i = 0; i < (ChangesPerStep + keysPerUser - 1) / keysPerUser; i++)
        {
            users.Add(await CreateUserAsync(chat));
        }

        var keys = users
            .SelectMany(u => s_symbols.SelectMany(s => s_timeframes.Select(t => (User: u, Symbol: s, Timeframe: t))))
            .Take(ChangesPerStep)
            .ToArray();
        var sentAt = new long[keys.Length];
        var index = keys.Select((k, i) => (k, i)).ToDictionary(x => $"{x.k.User} {x.k.Symbol} {x.k.Timeframe}", x => x.i, StringComparer.Ordinal);
        var arrivedAt = new ConcurrentDictionary<int, long>();

        await using var listener = await trading.OpenConnectionAsync();
        listener.Notification += (_, e) =>
        {
            if (index.TryGetValue(e.Payload, out var i))
            {
                arrivedAt.TryAdd(i, Stopwatch.GetTimestamp());
            }
        };
        await using (var listen = new NpgsqlCommand("listen bench_watchers", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        using var stopListening = new CancellationTokenSource();
        var listening = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    await listener.WaitAsync(stopListening.Token);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        // Change i is due at start + i / rate; each writer takes the next due change.
        var next = -1;
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(_ => Task.Run(async () =>
        {
            await using var connection = await chat.OpenConnectionAsync();
            await using var insert = new NpgsqlCommand(
                "insert into public.user_symbols (user_id, symbol, timeframe) values ($1, $2, $3)", connection);
            insert.Parameters.Add(new NpgsqlParameter<Guid>());
            insert.Parameters.Add(new NpgsqlParameter<string>());
            insert.Parameters.Add(new NpgsqlParameter<string>());
            await insert.PrepareAsync();
            int i;
            while ((i = Interlocked.Increment(ref next)) < keys.Length)
            {
                var due = start + (long)(i * (double)Stopwatch.Frequency / rate);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }

                ((NpgsqlParameter<Guid>)insert.Parameters[0]).TypedValue = keys[i].User;
                ((NpgsqlParameter<string>)insert.Parameters[1]).TypedValue = keys[i].Symbol;
                ((NpgsqlParameter<string>)insert.Parameters[2]).TypedValue = keys[i].Timeframe;
                sentAt[i] = Stopwatch.GetTimestamp();
                await insert.ExecuteNonQueryAsync();
            }
        })));
        var insertSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        var deadline = Stopwatch.GetTimestamp() + 60 * Stopwatch.Frequency;
        while (arrivedAt.Count < keys.Length && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(50);
        }

        await stopListening.CancelAsync();
        await listening;
        var latencies = arrivedAt
            .Select(a => (Index: a.Key, Ms: Stopwatch.GetElapsedTime(sentAt[a.Key], a.Value).TotalMilliseconds))
            .ToArray();
        var tenth = keys.Length / 10;
        return new(keys.Length, keys.Length / insertSeconds, keys.Length - arrivedAt.Count,
            [.. latencies.Select(l => l.Ms).Order()],
            [.. latencies.Where(l => l.Index < tenth).Select(l => l.Ms).Order()],
            [.. latencies.Where(l => l.Index >= tenth).Select(l => l.Ms).Order()]);
    }

    private static async Task<Guid> CreateUserAsync(NpgsqlDataSource chat)
    {
        var id = Guid.NewGuid();
        await DatabaseBenchmarks.ExecuteAsync(chat, "insert into auth.users (id, email) values ($1, $2)", id, $"{id:N}@example.com");
        await DatabaseBenchmarks.ExecuteAsync(chat, "update public.user_profiles set tier = 'enterprise' where id = $1", id);
        return id;
    }

    /// <summary>Symbols of A without an identical watcher in B (active flag, strategy, version).</summary>
    private static async Task<long> DifferencesAsync(NpgsqlDataSource chat, NpgsqlDataSource trading)
    {
        var watchers = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = trading.CreateCommand("select concat_ws(' ', user_id, symbol, timeframe, active, strategy::text, source_version) from public.watchers"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                watchers.Add(reader.GetString(0));
            }
        }

        long differences = 0;
        await using (var command = chat.CreateCommand("select concat_ws(' ', user_id, symbol, timeframe, active, strategy::text, version) from public.user_symbols"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                differences += watchers.Contains(reader.GetString(0)) ? 0 : 1;
            }
        }

        return differences;
    }
}
