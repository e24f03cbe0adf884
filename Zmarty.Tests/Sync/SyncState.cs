using System.Diagnostics;
using Npgsql;
using Zmarty.Tests.Database;

namespace Zmarty.Tests.Sync;

/// <summary>One row as the comparison sees it: user_symbols in A, watchers in B.</summary>
internal sealed record SyncRow(bool Active, string Strategy, long? Version);

/// <summary>Reads both sides of the symbol sync and says where B differs from A (docs/database.md, "Outbox").</summary>
internal static class SyncState
{
    public static async Task<Dictionary<string, SyncRow>> SymbolsAsync(NpgsqlDataSource chat) =>
        await ReadAsync(chat, "select user_id::text || ' ' || symbol || ' ' || timeframe, active, strategy::text, version from public.user_symbols");

    public static async Task<Dictionary<string, SyncRow>> WatchersAsync(NpgsqlDataSource trading) =>
        await ReadAsync(trading, "select user_id::text || ' ' || symbol || ' ' || timeframe, active, strategy::text, source_version from public.watchers");

    public static Task<long> PendingAsync(NpgsqlDataSource chat) =>
        Sql.ScalarAsync<long>(chat, "select count(*) from public.user_symbols_outbox where delivered_at is null");

    /// <summary>
    /// B matches A exactly: every symbol of A is a watcher with its active flag, strategy and
    /// version; every other watcher is a deleted symbol, kept inactive.
    /// </summary>
    public static List<string> Differences(Dictionary<string, SyncRow> symbols, Dictionary<string, SyncRow> watchers)
    {
        var differences = new List<string>();
        foreach (var (key, symbol) in symbols)
        {
            if (!watchers.TryGetValue(key, out var watcher))
            {
                differences.Add($"{key}: missing in B");
            }
            else if (watcher != symbol)
            {
                differences.Add($"{key}: A {symbol}, B {watcher}");
            }
        }

        differences.AddRange(watchers
            .Where(w => w.Value.Active && !symbols.ContainsKey(w.Key))
            .Select(w => $"{w.Key}: active in B, not in A"));
        return differences;
    }

    /// <summary>Waits until every outbox event is delivered and B matches A; fails with the differences after <paramref name="limit"/>.</summary>
    public static async Task WaitUntilConvergedAsync(NpgsqlDataSource chat, NpgsqlDataSource trading, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        List<string> differences = [];
        long pending = 0;
        while (clock.Elapsed < limit)
        {
            try
            {
                pending = await PendingAsync(chat);
                differences = Differences(await SymbolsAsync(chat), await WatchersAsync(trading));
                if (pending == 0 && differences.Count == 0)
                {
                    return;
                }
            }
            catch (NpgsqlException)
            {
                // A database the test restarts answers again shortly.
            }

            await Task.Delay(100);
        }

        Assert.Fail($"B did not converge to A within {limit.TotalSeconds:0} s: {pending} event(s) pending, {differences.Count} difference(s): " +
            string.Join("; ", differences.Take(10)));
    }

    private static async Task<Dictionary<string, SyncRow>> ReadAsync(NpgsqlDataSource source, string sql)
    {
        var rows = new Dictionary<string, SyncRow>(StringComparer.Ordinal);
        await using var command = source.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows[reader.GetString(0)] = new(reader.GetBoolean(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetInt64(3));
        }

        return rows;
    }
}
