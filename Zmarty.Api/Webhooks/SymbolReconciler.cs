using Npgsql;

namespace Zmarty.Api.Webhooks;

/// <summary>One difference between A.user_symbols and B.watchers, and what the repair did.</summary>
/// <param name="Kind"><c>missing</c> (in A, not in B), <c>differs</c> (active or strategy), <c>orphan</c> (active in B, not in A).</param>
/// <param name="Applied">The repair was written; false in a dry run, or when B changed meanwhile (a newer delivery won).</param>
public sealed record ReconcileAction(string Kind, WatcherKey Key, bool ActiveInA, bool? ActiveInB, long Version, bool Applied);

public sealed record ReconcileReport(long SymbolsInA, long WatchersInB, IReadOnlyList<ReconcileAction> Actions, bool DryRun);

/// <summary>
/// Compares A.user_symbols with B.watchers and repairs every difference through the receiver's own
/// write (<see cref="WatcherStore"/>), so the ordering rule holds against deliveries that run at the
/// same time: a row of A is written at its own version, over B's row only when B's version is not
/// newer; a watcher with no row in A is deactivated only if B still holds the version that was read.
/// A change that commits in A meanwhile has a greater version, and its delivery wins.
/// </summary>
public sealed class SymbolReconciler(
    [FromKeyedServices("chat")] NpgsqlDataSource chat,
    [FromKeyedServices("trading")] NpgsqlDataSource trading,
    WatcherStore store)
{
    // Both sides in the same order: the uuid's text and "C" collation compare as string.CompareOrdinal does.
    private const string SymbolsSql = """
        select user_id::text, symbol, timeframe, strategy::text, active, updated_at, version
        from public.user_symbols
        order by user_id::text collate "C", symbol collate "C", timeframe collate "C"
        """;

    private const string WatchersSql = """
        select user_id::text, symbol, timeframe, strategy::text, active, source_updated_at, source_version
        from public.watchers
        order by user_id::text collate "C", symbol collate "C", timeframe collate "C"
        """;

    public async Task<ReconcileReport> RunAsync(bool dryRun, CancellationToken cancellationToken)
    {
        var differences = new List<(string Kind, WatcherState Target, bool? ActiveInB, long Version)>();
        long inA = 0, inB = 0;
        await using (var symbols = await RowReader.OpenAsync(chat, SymbolsSql, cancellationToken))
        await using (var watchers = await RowReader.OpenAsync(trading, WatchersSql, cancellationToken))
        {
            var a = await symbols.NextAsync(cancellationToken);
            var b = await watchers.NextAsync(cancellationToken);
            while (a is not null || b is not null)
            {
                var order = a is null ? 1 : b is null ? -1 : Compare(a.State.Key, b.State.Key);
                if (order < 0)
                {
                    differences.Add(("missing", a!.State, null, a.Version));
                }
                else if (order > 0)
                {
                    if (b!.State.Active)
                    {
                        // Deactivated at the version read: if a delivery moved B on, the repair yields to it.
                        differences.Add(("orphan", b.State with { Active = false }, true, b.Version));
                    }
                }
                else if (a!.State.Active != b!.State.Active || a.State.StrategyJson != b.State.StrategyJson)
                {
                    differences.Add(("differs", a.State, b.State.Active, a.Version));
                }

                if (order <= 0)
                {
                    inA++;
                    a = await symbols.NextAsync(cancellationToken);
                }

                if (order >= 0)
                {
                    inB++;
                    b = await watchers.NextAsync(cancellationToken);
                }
            }
        }

        var actions = new List<ReconcileAction>(differences.Count);
        foreach (var (kind, target, activeInB, version) in differences)
        {
            var applied = !dryRun && (await store.ApplyAsync(
                new SymbolChange("RECONCILE", version, target.Key, [target]), ApplyMode.Repair, cancellationToken)).Applied;
            actions.Add(new(kind, target.Key, kind != "orphan" && target.Active, activeInB, version, applied));
        }

        return new(inA, inB, actions, dryRun);
    }

    private static int Compare(WatcherKey x, WatcherKey y)
    {
        var order = string.CompareOrdinal(x.UserId.ToString(), y.UserId.ToString());
        order = order != 0 ? order : string.CompareOrdinal(x.Symbol, y.Symbol);
        return order != 0 ? order : string.CompareOrdinal(x.Timeframe, y.Timeframe);
    }

    private sealed record Row(WatcherState State, long Version);

    /// <summary>A forward-only read of one side, row by row, so neither table has to fit in memory.</summary>
    private sealed class RowReader(NpgsqlConnection connection, NpgsqlCommand command, NpgsqlDataReader reader) : IAsyncDisposable
    {
        public static async Task<RowReader> OpenAsync(NpgsqlDataSource source, string sql, CancellationToken cancellationToken)
        {
            var connection = await source.OpenConnectionAsync(cancellationToken);
            var command = new NpgsqlCommand(sql, connection);
            return new(connection, command, await command.ExecuteReaderAsync(cancellationToken));
        }

        public async Task<Row?> NextAsync(CancellationToken cancellationToken)
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            var key = new WatcherKey(Guid.Parse(reader.GetString(0)), reader.GetString(1), reader.GetString(2));
            var updatedAt = reader.IsDBNull(5) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(5);
            // A watcher written before versions existed counts as the oldest.
            var version = reader.IsDBNull(6) ? 0 : reader.GetInt64(6);
            return new(new(key, reader.GetString(3), reader.GetBoolean(4), updatedAt), version);
        }

        public async ValueTask DisposeAsync()
        {
            await reader.DisposeAsync();
            await command.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}
