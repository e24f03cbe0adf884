namespace Zmarty.Trading.Signals;

/// <summary>The direction of a signal. The blueprint's <c>hold</c> needs a position to hold and is not produced here.</summary>
public enum SignalDirection
{
    Flat,
    Long,
    Short,
}

/// <summary>One input's part in a signal.</summary>
/// <param name="Input">The input's name, e.g. <c>rsi</c>, <c>trend_score</c>, <c>risk_metric</c>.</param>
/// <param name="Group">Its group: <c>technical</c>, <c>market</c>, <c>liquidation</c> or <c>risk</c>.</param>
/// <param name="Reading">The input normalised to −1 (short) .. +1 (long).</param>
/// <param name="Weight">Its share of the composite after renormalising over the inputs present.</param>
/// <param name="Contribution">Weight × reading: what it added to the composite before damping.</param>
/// <param name="Detail">The raw value and how it was read, for people.</param>
public sealed record SignalReason(string Input, string Group, double Reading, double Weight, double Contribution, string Detail);

/// <summary>A multiplier applied to the composite, e.g. the blueprint's volatility damping.</summary>
public sealed record SignalAdjustment(string Name, double Factor, string Detail);

/// <summary>A scored signal, in the shape of the <c>signals</c> table (docs/domain.md §3).</summary>
/// <param name="Composite">Signed strength −1..1 after damping; the direction thresholds apply to it.</param>
/// <param name="Score">|Composite|: strength of the call in its direction, 0..1.</param>
/// <param name="Confidence">0..1: the share of the weighted inputs present times how much they agree.</param>
/// <param name="Entry">Entry price; null for a flat signal.</param>
/// <param name="StopLoss">Stop price; null for a flat signal.</param>
/// <param name="TakeProfits">Target prices, nearest first; empty for a flat signal.</param>
/// <param name="Reasons">Each input that was present, with its contribution.</param>
/// <param name="Adjustments">Damping applied to the composite.</param>
/// <param name="Missing">Inputs that were absent and lowered the confidence.</param>
/// <param name="StrategyVersion">Identifies the options the signal was scored with.</param>
public sealed record TradingSignal(
    string Symbol,
    string Timeframe,
    DateTimeOffset At,
    SignalDirection Direction,
    double Composite,
    double Score,
    double Confidence,
    double? Entry,
    double? StopLoss,
    IReadOnlyList<double> TakeProfits,
    IReadOnlyList<SignalReason> Reasons,
    IReadOnlyList<SignalAdjustment> Adjustments,
    IReadOnlyList<string> Missing,
    string StrategyVersion);
