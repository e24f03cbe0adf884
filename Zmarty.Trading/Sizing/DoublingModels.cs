using Zmarty.Trading.Signals;

namespace Zmarty.Trading.Sizing;

/// <summary>The account a recommendation is for.</summary>
/// <param name="Equity">Current equity.</param>
/// <param name="PeakEquity">Highest equity so far, for the drawdown breaker.</param>
/// <param name="DayStartEquity">Equity at the start of the current day, for the daily loss limit.</param>
public sealed record AccountState(double Equity, double PeakEquity, double DayStartEquity);

/// <summary>The position being built, if any.</summary>
/// <param name="Stage">Stage reached, 1..4.</param>
/// <param name="LastStepScore">Score of the signal that triggered the last step.</param>
/// <param name="LastStepAt">When the last step was taken.</param>
public sealed record PositionState(SignalDirection Direction, int Stage, double LastStepScore, DateTimeOffset LastStepAt);

/// <summary>What the recommendation is asked about: a signal, the time now, the account and the open position.</summary>
/// <param name="Score">The signal's score, 0..1.</param>
/// <param name="Volatility">Current daily volatility (<see cref="Risk.RiskStatistics.Volatility"/>); unknown blocks a step, as the guardrail cannot be checked.</param>
/// <param name="At">The time now, from the caller's clock.</param>
/// <param name="Position">Null when there is no position.</param>
/// <param name="Risk">The owner's risk metric at the price, 0..1; null when the symbol has no valid grid (then not checked).</param>
public sealed record DoublingRequest(
    SignalDirection Direction, double Score, double? Volatility, DateTimeOffset At, AccountState Account, PositionState? Position,
    double? Risk = null);

/// <summary>The guardrails, in the order they are checked.</summary>
public enum Guardrail
{
    /// <summary>The signal is flat: nothing to size.</summary>
    NoDirection,

    /// <summary>The signal points against the open position; the ladder never flips a position.</summary>
    OppositePosition,

    /// <summary>The account is too far below its peak (circuit breaker).</summary>
    MaxDrawdown,

    /// <summary>The account has lost too much today.</summary>
    DailyLossLimit,

    /// <summary>Volatility is above the threshold or unknown.</summary>
    Volatility,

    /// <summary>The owner's risk metric is in the zone against the signal: a long at high risk, a short at low risk.</summary>
    RiskZone,

    /// <summary>The position is already at the last stage.</summary>
    LadderComplete,

    /// <summary>A first entry's score is below the minimum.</summary>
    MinimumScore,

    /// <summary>A step up's score does not beat the last step's by the delta.</summary>
    ScoreDelta,

    /// <summary>Too little time since the last step.</summary>
    Cooldown,

    /// <summary>The next stage would not stay under the maximum position.</summary>
    MaxPosition,
}

/// <summary>What the advisor recommends.</summary>
public enum DoublingAction
{
    /// <summary>Open the position at stage 1.</summary>
    Enter,

    /// <summary>Add to the position, to the next stage.</summary>
    StepUp,

    /// <summary>Do nothing: see <see cref="DoublingRecommendation.HeldBackBy"/>.</summary>
    Hold,
}

/// <summary>A guardrail that held a step back, and why.</summary>
public sealed record GuardrailBlock(Guardrail Guardrail, string Reason);

/// <summary>
/// The recommendation. For Enter and StepUp: the stage reached, the position size after the step, what to add,
/// and the leverage (the stage's cap). For Hold: the current stage and size, nothing to add, leverage 0, and every
/// guardrail that failed (the first one is the deciding one).
/// </summary>
/// <param name="ProposedStage">The stage the signal asked for, whether or not it was allowed; 0 for none.</param>
/// <param name="PositionPercent">Position size after the recommendation, percent of equity.</param>
/// <param name="AddPercent">What to add now, percent of equity.</param>
/// <param name="AddAmount">What to add now, in account currency (margin, before leverage).</param>
public sealed record DoublingRecommendation(
    DoublingAction Action,
    int Stage,
    int ProposedStage,
    double PositionPercent,
    double AddPercent,
    double AddAmount,
    double Leverage,
    IReadOnlyList<GuardrailBlock> HeldBackBy);
