using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Zmarty.Trading.Indicators;
using Zmarty.Trading.Signals;
using Zmarty.Trading.Sizing;
using Zmarty.Worker.Ingestion;
using Zmarty.Worker.Queues;

namespace Zmarty.Worker.Signals;

/// <summary>
/// <c>compute_signals</c> {symbol, timeframe}: scores the global signal of the latest ingested bar from what B stores
/// (indicators, Cryptometer readings, risk metric, clusters) and adds the doubling recommendation. One signal per
/// (symbol, timeframe, bar, strategy version): running again writes nothing.
/// </summary>
public sealed class ComputeSignalsJob : IQueueJob
{
    public const string QueueName = "compute_signals";

    /// <summary>
    /// B holds no account: the recommendation is sized on a notional equity of 100, so its amounts read as percent
    /// of whatever account follows it, and the account guardrails (drawdown, daily loss) never trip here.
    /// </summary>
    private static readonly AccountState s_notionalAccount = new(100, 100, 100);

    private readonly NpgsqlDataSource _dataSource;
    private readonly SignalScorer _scorer;
    private readonly DoublingAdvisor _advisor;

    public ComputeSignalsJob(
        [FromKeyedServices("trading")] NpgsqlDataSource dataSource, IOptions<SignalScoringOptions> scoring, IOptions<DoublingOptions> doubling)
    {
        _dataSource = dataSource;
        _scorer = new SignalScorer(scoring.Value);
        _advisor = new DoublingAdvisor(doubling.Value);
    }

    public string Queue => QueueName;

    public async Task<JobWrite> RunAsync(QueueMessage message, JobKey key, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        var stored = await StoredInputs.ReadAsync(connection, key, _scorer.StrategyVersion, cancellationToken)
            ?? throw new JobRejectedException($"no indicators stored for {key.Symbol} {key.Timeframe} yet: ingest it first");

        var signal = _scorer.Score(stored.Input);
        var recommendation = _advisor.Recommend(new DoublingRequest(
            signal.Direction, signal.Score, stored.Input.Volatility, stored.Input.At, s_notionalAccount, stored.Position,
            stored.Input.Risk));
        var metadata = JsonSerializer.Serialize(new
        {
            composite = signal.Composite,
            adjustments = signal.Adjustments,
            missing = signal.Missing,
            doubling = new
            {
                action = recommendation.Action.ToString(),
                recommendation.Stage,
                recommendation.ProposedStage,
                recommendation.PositionPercent,
                recommendation.AddPercent,
                recommendation.Leverage,
                held_back_by = recommendation.HeldBackBy.FirstOrDefault()?.Guardrail.ToString(),
                guardrails_failed = recommendation.HeldBackBy.Select(b => new { guardrail = b.Guardrail.ToString(), b.Reason }),
            },
            position = PositionAfter(stored.Position, signal, recommendation) is { } position
                ? new { direction = position.Direction.ToString(), position.Stage, position.LastStepScore, position.LastStepAt }
                : null,
        }, JsonOptions.Snake);

        return async (connection, transaction, ct) =>
        {
            await using var insert = new NpgsqlCommand("""
                insert into public.signals
                  (symbol, timeframe, at, direction, score, entry_price, stop_loss, take_profit, confidence, reasons, strategy_version, metadata)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                on conflict on constraint signals_natural_key do nothing
                """, connection, transaction);
            insert.Parameters.Add(new() { Value = key.Symbol });
            insert.Parameters.Add(new() { Value = key.Timeframe });
            insert.Parameters.Add(new() { Value = signal.At });
            insert.Parameters.Add(new() { Value = signal.Direction.ToString().ToLowerInvariant() });
            insert.Parameters.Add(new() { Value = signal.Score, NpgsqlDbType = NpgsqlDbType.Numeric });
            insert.Parameters.Add(new() { Value = (object?)signal.Entry ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Numeric });
            insert.Parameters.Add(new() { Value = (object?)signal.StopLoss ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Numeric });
            insert.Parameters.Add(new() { Value = signal.TakeProfits.Select(p => (decimal)p).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Numeric });
            insert.Parameters.Add(new() { Value = signal.Confidence, NpgsqlDbType = NpgsqlDbType.Numeric });
            insert.Parameters.Add(new() { Value = JsonSerializer.Serialize(signal.Reasons, JsonOptions.Snake), NpgsqlDbType = NpgsqlDbType.Jsonb });
            insert.Parameters.Add(new() { Value = signal.StrategyVersion });
            insert.Parameters.Add(new() { Value = metadata, NpgsqlDbType = NpgsqlDbType.Jsonb });
            await insert.ExecuteNonQueryAsync(ct);
        };
    }

    /// <summary>The position the next signal builds on: the step taken, or the one held.</summary>
    private static PositionState? PositionAfter(PositionState? before, TradingSignal signal, DoublingRecommendation recommendation) =>
        recommendation.Action == DoublingAction.Hold
            ? before
            : new PositionState(signal.Direction, recommendation.Stage, signal.Score, signal.At);
}
