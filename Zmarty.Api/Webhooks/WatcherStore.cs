using Npgsql;
using NpgsqlTypes;

namespace Zmarty.Api.Webhooks;

/// <summary>How a write compares versions with the row B holds.</summary>
public enum ApplyMode
{
    /// <summary>A delivery: applied only over an older version (an equal one is a redelivery).</summary>
    Delivery,

    /// <summary>A reconcile repair: also over the same version, whose row in B no longer matches A.</summary>
    Repair,
}

/// <summary>What applying one change did.</summary>
/// <param name="Applied">At least one row was written (false: a replay, or older than what B holds).</param>
/// <param name="IngestionEnqueued">A watcher became active without fresh market data, and an ingest_indicators job was sent.</param>
public sealed record ApplyResult(bool Applied, bool IngestionEnqueued);

/// <summary>
/// Writes symbol changes into B's <c>watchers</c> by the ordering rule of docs/database.md
/// ("Outbox"), atomically with the ingestion job a newly active watcher needs.
/// </summary>
public sealed class WatcherStore([FromKeyedServices("trading")] NpgsqlDataSource trading, Microsoft.Extensions.Options.IOptions<WebhookOptions> options)
{
    // One statement per key written. previous: the row before this statement (a CTE sees the
    // statement's snapshot, not its own write). An ingestion job is asked for only when the write
    // activated the watcher; B's ops.enqueue_pair_ingestion sends it only when the pair has no recent
    // indicators, no job waiting, no ingestion begun within the freshness window, and is not backing
    // off after Cryptometer's "no data": pausing and resuming a pair cannot buy a call each time.
    private const string WriteSql = """
        with previous as (
          select active from public.watchers where user_id = $1 and symbol = $2 and timeframe = $3
        ),
        written as (
          insert into public.watchers as w (user_id, symbol, timeframe, strategy, active, source_version, source_updated_at)
          values ($1, $2, $3, $4::jsonb, $5, $6, $7)
          on conflict (user_id, symbol, timeframe) do update
            set strategy = excluded.strategy,
                active = excluded.active,
                source_version = excluded.source_version,
                source_updated_at = excluded.source_updated_at
            where w.source_version is null
               or w.source_version < excluded.source_version
               or ($8 and w.source_version = excluded.source_version)
          returning w.active
        ),
        activated as (
          select coalesce((select active from written), false) and not coalesce((select active from previous), false) as yes
        )
        select exists (select 1 from written),
               (select ops.enqueue_pair_ingestion($2, $3, $1, $9::interval) from activated where activated.yes)
        """;

    private readonly TimeSpan _freshness = options.Value.IngestFreshness;

    public async Task<ApplyResult> ApplyAsync(SymbolChange change, ApplyMode mode, CancellationToken cancellationToken) =>
        (await ApplyAsync([change], mode, cancellationToken))[0];

    /// <summary>
    /// Applies <paramref name="changes"/> in order, all or none: their writes go in one batch, one round trip, which
    /// PostgreSQL runs as one implicit transaction. Each write is its own statement, so a later change of a key sees
    /// an earlier one's row.
    /// </summary>
    public async Task<IReadOnlyList<ApplyResult>> ApplyAsync(
        IReadOnlyList<SymbolChange> changes, ApplyMode mode, CancellationToken cancellationToken)
    {
        await using var connection = await trading.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var change in changes)
        {
            foreach (var write in change.Writes)
            {
                batch.BatchCommands.Add(WriteCommand(write, change.Version, mode));
            }
        }

        // Prepared once per physical connection: every delivery runs this statement.
        await batch.PrepareAsync(cancellationToken);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var results = new List<ApplyResult>(changes.Count);
        foreach (var change in changes)
        {
            var (applied, enqueued) = (false, false);
            foreach (var _ in change.Writes)
            {
                await reader.ReadAsync(cancellationToken);
                applied |= reader.GetBoolean(0);
                enqueued |= !reader.IsDBNull(1);
                await reader.NextResultAsync(cancellationToken);
            }

            results.Add(new(applied, enqueued));
        }

        return results;
    }

    private NpgsqlBatchCommand WriteCommand(WatcherState write, long version, ApplyMode mode)
    {
        var candle = SymbolChange.Timeframes[write.Key.Timeframe];
        var command = new NpgsqlBatchCommand(WriteSql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = write.Key.UserId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = write.Key.Symbol });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = write.Key.Timeframe });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = write.StrategyJson });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = write.Active });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = version });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)write.SourceUpdatedAt ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = mode == ApplyMode.Repair });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = candle > _freshness ? candle : _freshness, NpgsqlDbType = NpgsqlDbType.Interval });
        return command;
    }
}
