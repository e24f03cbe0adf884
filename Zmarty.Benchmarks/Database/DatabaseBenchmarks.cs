using System.Diagnostics;
using Npgsql;
using Zmarty.Testing;

namespace Zmarty.Benchmarks.Database;

/// <summary>
/// Throughput harnesses for the databases. BenchmarkDotNet measures one method on one thread;
/// these need many connections working at once, so they are plain timed loops over the same local
/// servers the tests use (fresh data directory, every migration applied, services not started).
/// </summary>
public static class DatabaseBenchmarks
{
    public static bool Handles(string[] args) => args is ["pgmq", ..] or ["credits", ..];

    public static async Task<int> RunAsync(string[] args)
    {
        var started = Stopwatch.StartNew();
        Console.WriteLine($"Starting local Supabase A and B ({Environment.ProcessorCount} cores visible)...");
        await using var app = await TestSystem.StartAsync(b => b.WithoutProjects());
        Console.WriteLine($"Databases ready in {started.Elapsed.TotalSeconds:F1} s. Load average (1/5/15 min): {LoadAverage()}");

        switch (args[0])
        {
            case "pgmq":
                await using (var trading = CreateDataSource(app.GetConnectionString("trading")))
                {
                    await PgmqThroughput.RunAsync(trading);
                }

                break;
            case "credits":
                await using (var chat = CreateDataSource(app.GetConnectionString("chat")))
                {
                    await CreditsThroughput.RunAsync(chat);
                }

                break;
            default:
                Console.Error.WriteLine($"Unknown benchmark {args[0]}: use pgmq or credits.");
                return 2;
        }

        Console.WriteLine($"Load average at the end (1/5/15 min): {LoadAverage()}");
        return 0;
    }

    /// <summary>The machine is shared: the load average says how much of it the run really had.</summary>
    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static NpgsqlDataSource CreateDataSource(string connectionString) =>
        NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString)
        {
            MaxPoolSize = 64,
            // Prepared statements, as a long-running consumer would use them.
            MaxAutoPrepare = 16,
            AutoPrepareMinUsages = 2,
        }.ConnectionString);

    internal static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params object[] args)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var arg in args)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = arg });
        }

        return command;
    }

    internal static async Task<long> ScalarAsync(NpgsqlDataSource source, string sql, params object[] args)
    {
        await using var connection = await source.OpenConnectionAsync();
        await using var command = Command(connection, sql, args);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    internal static async Task ExecuteAsync(NpgsqlDataSource source, string sql, params object[] args)
    {
        await using var connection = await source.OpenConnectionAsync();
        await using var command = Command(connection, sql, args);
        command.CommandTimeout = 600;
        await command.ExecuteNonQueryAsync();
    }
}
