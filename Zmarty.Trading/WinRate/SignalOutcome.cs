using Zmarty.Trading.Signals;

namespace Zmarty.Trading.WinRate;

/// <summary>How a past signal ended.</summary>
public enum OutcomeKind
{
    /// <summary>The first target was reached before the stop.</summary>
    Win,

    /// <summary>The stop was reached first, or both within one bar.</summary>
    Loss,

    /// <summary>Neither within the horizon.</summary>
    Expired,

    /// <summary>Neither yet, and the horizon has not passed.</summary>
    Pending,
}

/// <summary>A past directional signal to resolve: its time, side, entry, stop and first target.</summary>
public readonly record struct PastSignal(DateTimeOffset At, SignalDirection Direction, double Entry, double StopLoss, double TakeProfit);

/// <summary>The outcome of one signal.</summary>
/// <param name="ResolvedAt">Time of the bar that decided a win or loss; null otherwise.</param>
/// <param name="R">Result in units of initial risk: a win earns |target − entry| / |entry − stop|, a loss −1; 0 unless resolved.</param>
/// <param name="ReturnPercent">Result in percent of entry, in the signal's direction; 0 unless resolved.</param>
public readonly record struct SignalOutcome(PastSignal Signal, OutcomeKind Kind, DateTimeOffset? ResolvedAt, double R, double ReturnPercent);
