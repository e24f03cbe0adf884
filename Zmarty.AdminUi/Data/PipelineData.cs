using Npgsql;

namespace Zmarty.AdminUi.Data;

/// <summary>
/// An active (symbol, timeframe) that has no indicators, or whose newest is late: the bar after it closed more than the
/// grace period ago and should have been fetched by now.
/// </summary>
public sealed record StalePair(string Symbol, string Timeframe, DateTimeOffset? LastDataAt);

public sealed record SignalRow(
    string Symbol, string Timeframe, DateTimeOffset At, string Direction, decimal Score, decimal? Confidence, string StrategyVersion, bool Global);

public sealed record WinRateRow(
    string Symbol, string Timeframe, int LookbackDays, decimal WinRate, int SampleSize, string StrategyVersion, DateTimeOffset ComputedAt);

/// <summary>A's symbol outbox: what waits for the relay, and how long delivered events took in the last hour.</summary>
public sealed record OutboxStatus(long Pending, double? OldestPendingSeconds, long DeliveredLastHour, double? AverageLatencyMs, double? P95LatencyMs);

/// <summary>
/// Crashes of the Worker's relay tasks in the last day, as the relay's supervisor logged them (its Error
/// lines reach B's error log): each was restarted, but a lane that keeps crashing delivers nothing.
/// </summary>
public sealed record RelayCrashes(long LastDay, DateTimeOffset? LastAt, string? LastMessage);

/// <summary>Credits charged today (UTC) for one provider, and what was refunded of those charges.</summary>
public sealed record ProviderCredits(string Provider, long Charged, long Refunded, long Charges);

/// <summary>
/// A market-data provider's calls this UTC month against its monthly budget, as the Worker counted them in B. The
/// projection assumes the rest of the month goes as it has so far.
/// </summary>
public sealed record ProviderBudgetRow(string Provider, long Calls, long Budget, long Refused, DateTimeOffset? LastRefusedAt)
{
    public long ProjectedAt(DateTimeOffset now)
    {
        var start = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var elapsed = (now - start).TotalSeconds;
        var month = (start.AddMonths(1) - start).TotalSeconds;
        return elapsed <= 0 ? Calls : (long)Math.Round(Calls * month / elapsed);
    }

    /// <summary>What the page warns about, or null: refused calls, or a month-end projection above the budget.</summary>
    public string? Warning(DateTimeOffset now) =>
        Refused > 0 ? $"budget spent: {Refused} calls refused this month"
        : ProjectedAt(now) > Budget ? $"on course for {ProjectedAt(now)} calls, above the budget of {Budget}"
        : null;
}

/// <summary>One of the owner's risk grids the Worker refused, and why (<c>ops.risk_grid_status</c>).</summary>
public sealed record RefusedGrid(string Symbol, string Status, string Reason, DateTimeOffset CheckedAt);

/// <summary>
/// A pair Cryptometer answered "no data" for (<c>ops.provider_no_data</c>): B enqueues no ingestion of it before
/// <paramref name="RetryAfter"/>, which doubles with each miss, so it cannot keep spending the shared key's calls.
/// </summary>
public sealed record NoDataPair(string Symbol, string Timeframe, int Misses, DateTimeOffset RetryAfter, DateTimeOffset LastMissAt);

/// <summary>
/// A secondary source of the ingestions that failed when the Worker last asked it (<c>ops.source_status</c>): the
/// ingestions go on without it, and <paramref name="Reason"/> says what they lack meanwhile.
/// </summary>
public sealed record FailingSource(string Source, string Reason, DateTimeOffset CheckedAt)
{
    /// <summary>What the ingestions store without while it fails.</summary>
    public string Consequence => Source switch
    {
        "risk_time_bands" => "risks are given without a time-in-band coefficient (risk, band, zone and base score are kept)",
        "kingfisher_clusters" => "no liquidation clusters are stored (candles, indicators and risk are kept)",
        _ => "left out of the ingestions",
    };
}

public sealed record PipelineSnapshot(
    long ActiveWatchers,
    long ActivePairs,
    IReadOnlyList<StalePair> Stale,
    IReadOnlyList<SignalRow> Signals,
    IReadOnlyList<WinRateRow> WinRates,
    OutboxStatus Outbox,
    RelayCrashes RelayCrashes,
    IReadOnlyList<ProviderCredits> CreditsToday,
    IReadOnlyList<ProviderBudgetRow> ProviderBudgets,
    IReadOnlyList<RefusedGrid> RefusedGrids,
    DateTimeOffset ReadAt)
{
    /// <summary>The pairs backing off after "no data", those asked again soonest first.</summary>
    public IReadOnlyList<NoDataPair> NoDataPairs { get; init; } = [];

    /// <summary>The secondary sources failing when the Worker last asked them.</summary>
    public IReadOnlyList<FailingSource> FailingSources { get; init; } = [];
}

/// <summary>
/// The state of the pipeline: watchers and stale data, signals, win rates and the providers' call budgets from B;
/// the webhook outbox and today's credits from A.
/// </summary>
public sealed class PipelineData(NpgsqlDataSource trading, NpgsqlDataSource chat, TimeSpan staleAfter, TimeProvider time)
{
    public const int RowsShown = 20;

    public TimeSpan StaleAfter => staleAfter;

    public async Task<PipelineSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        await using var b = await trading.OpenConnectionAsync(cancellationToken);
        var (activeWatchers, activePairs) = await ReadWatchersAsync(b, cancellationToken);
        var stale = await ReadListAsync(b, """
            select w.symbol, w.timeframe, last.at
            from (select distinct symbol, timeframe from public.watchers where active) w
            left join lateral (
              select max(i.at) as at from public.indicators i where i.symbol = w.symbol and i.timeframe = w.timeframe) last on true
            where last.at is null or last.at < ops.last_closed_bar(w.timeframe, now() - $1)
            order by last.at nulls first, w.symbol, w.timeframe
            limit $2
            """,
            r => new StalePair(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetFieldValue<DateTimeOffset>(2)),
            cancellationToken, staleAfter, RowsShown);
        var signals = await ReadListAsync(b, """
            select symbol, timeframe, at, direction, score, confidence, strategy_version, user_id is null
            from public.signals order by at desc, id desc limit $1
            """,
            r => new SignalRow(r.GetString(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2), r.GetString(3),
                r.GetDecimal(4), r.IsDBNull(5) ? null : r.GetDecimal(5), r.GetString(6), r.GetBoolean(7)),
            cancellationToken, RowsShown);
        var winRates = await ReadListAsync(b, """
            select symbol, timeframe, lookback_days, win_rate, sample_size, strategy_version, computed_at
            from public.win_rate order by computed_at desc, id desc limit $1
            """,
            r => new WinRateRow(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetDecimal(3), r.GetInt32(4),
                r.GetString(5), r.GetFieldValue<DateTimeOffset>(6)),
            cancellationToken, RowsShown);
        var relayCrashes = (await ReadListAsync(b, """
            select count(*), max(at), (array_agg(message order by at desc))[1]
            from ops.error_log
            where service = 'worker' and message like 'Relay task % crashed%' and at >= now() - interval '1 day'
            """,
            r => new RelayCrashes(
                r.GetInt64(0), r.IsDBNull(1) ? null : r.GetFieldValue<DateTimeOffset>(1), r.IsDBNull(2) ? null : r.GetString(2)),
            cancellationToken))[0];

        var budgets = await ReadListAsync(b, """
            select provider, calls, budget, refused, last_refused_at
            from ops.provider_calls
            where month = date_trunc('month', now() at time zone 'utc')::date
            order by provider
            """,
            r => new ProviderBudgetRow(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3),
                r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4)),
            cancellationToken);

        var refusedGrids = await ReadListAsync(b, """
            select symbol, status, reason, checked_at from ops.risk_grid_status where reason is not null order by symbol limit $1
            """,
            r => new RefusedGrid(r.GetString(0), r.GetString(1), r.GetString(2), r.GetFieldValue<DateTimeOffset>(3)),
            cancellationToken, RowsShown);

        var noData = await ReadListAsync(b, """
            select symbol, timeframe, misses, retry_after, last_miss_at from ops.provider_no_data
            order by retry_after, symbol, timeframe limit $1
            """,
            r => new NoDataPair(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetFieldValue<DateTimeOffset>(3),
                r.GetFieldValue<DateTimeOffset>(4)),
            cancellationToken, RowsShown);
        var failingSources = await ReadListAsync(b,
            "select source, reason, checked_at from ops.source_status where status = 'failing' order by source",
            r => new FailingSource(r.GetString(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2)),
            cancellationToken);

        await using var a = await chat.OpenConnectionAsync(cancellationToken);
        var outbox = (await ReadListAsync(a, """
            select
              (select count(*) from public.user_symbols_outbox where delivered_at is null),
              (select extract(epoch from now() - min(created_at))::float8 from public.user_symbols_outbox where delivered_at is null),
              count(*),
              avg(extract(epoch from delivered_at - created_at) * 1000)::float8,
              percentile_cont(0.95) within group (order by extract(epoch from delivered_at - created_at) * 1000)::float8
            from public.user_symbols_outbox
            where delivered_at >= now() - interval '1 hour'
            """,
            r => new OutboxStatus(r.GetInt64(0), NullableDouble(r, 1), r.GetInt64(2), NullableDouble(r, 3), NullableDouble(r, 4)),
            cancellationToken))[0];
        // Charges are negative deltas; a refund row carries its charge's provider.
        var credits = await ReadListAsync(a, """
            select provider,
                   coalesce(-sum(delta) filter (where kind = 'charge'), 0)::bigint,
                   coalesce(sum(delta) filter (where kind = 'refund'), 0)::bigint,
                   count(*) filter (where kind = 'charge')
            from public.credits_ledger
            where kind in ('charge', 'refund') and created_at >= date_trunc('day', now() at time zone 'utc') at time zone 'utc'
            group by provider
            order by provider
            """,
            r => new ProviderCredits(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3)),
            cancellationToken);

        return new PipelineSnapshot(
            activeWatchers, activePairs, stale, signals, winRates, outbox, relayCrashes, credits, budgets, refusedGrids, time.GetUtcNow())
        {
            NoDataPairs = noData,
            FailingSources = failingSources,
        };
    }

    private static async Task<(long Watchers, long Pairs)> ReadWatchersAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var counts = await ReadListAsync(connection,
            "select count(*), count(distinct (symbol, timeframe)) from public.watchers where active",
            r => (r.GetInt64(0), r.GetInt64(1)),
            cancellationToken);
        return counts[0];
    }

    private static double? NullableDouble(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetDouble(ordinal);

    private static async Task<List<T>> ReadListAsync<T>(
        NpgsqlConnection connection, string sql, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken, params object[] args)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var arg in args)
        {
            command.Parameters.Add(new() { Value = arg });
        }

        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(map(reader));
        }

        return rows;
    }
}
