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
/// ("Outbox"), in one transaction with the ingestion job a newly active watcher needs.
/// </summary>
public sealed class WatcherStore([FromKeyedServices("trading")] NpgsqlDataSource trading, Microsoft.Extensions.Options.IOptions<WebhookOptions> options)
{
    public const string IngestQueue = "ingest_indicators";

    // previous: the row before this statement (a CTE sees the statement's snapshot, not its own write).
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
        )
        select exists (select 1 from written),
               coalesce((select active from written), false) and not coalesce((select active from previous), false)
        """;

    // Skipped when the pair has recent indicators, or a job for it is already waiting (as the cron job skips it).
    private const string EnqueueSql = $"""
        select pgmq.send('{IngestQueue}', jsonb_build_object('symbol', $1::text, 'timeframe', $2::text, 'user_id', $3::uuid))
        where not exists (
            select 1 from public.indicators i
            where i.symbol = $1 and i.timeframe = $2 and i.at >= now() - $4::interval)
          and not exists (
            select 1 from pgmq.q_{IngestQueue} q
            where q.message ->> 'symbol' = $1 and q.message ->> 'timeframe' = $2)
        """;

    private readonly TimeSpan _freshness = options.Value.IngestFreshness;

    public async Task<ApplyResult> ApplyAsync(SymbolChange change, ApplyMode mode, CancellationToken cancellationToken)
    {
        await using var connection = await trading.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var applied = false;
        var enqueued = false;
        foreach (var write in change.Writes)
        {
            var (written, activated) = await WriteAsync(connection, transaction, write, change.Version, mode, cancellationToken);
            applied |= written;
            if (activated)
            {
                enqueued |= await EnqueueIngestionAsync(connection, transaction, write.Key, cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return new(applied, enqueued);
    }

    private static async Task<(bool Written, bool Activated)> WriteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, WatcherState write, long version, ApplyMode mode, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(WriteSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = write.Key.UserId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = write.Key.Symbol });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = write.Key.Timeframe });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = write.StrategyJson });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = write.Active });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = version });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)write.SourceUpdatedAt ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = mode == ApplyMode.Repair });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetBoolean(0), reader.GetBoolean(1));
    }

    private async Task<bool> EnqueueIngestionAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, WatcherKey key, CancellationToken cancellationToken)
    {
        var candle = SymbolChange.Timeframes[key.Timeframe];
        await using var command = new NpgsqlCommand(EnqueueSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key.Symbol });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key.Timeframe });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = key.UserId });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = candle > _freshness ? candle : _freshness, NpgsqlDbType = NpgsqlDbType.Interval });
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }
}
