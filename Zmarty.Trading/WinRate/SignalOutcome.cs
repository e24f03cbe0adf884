using Zmarty.Trading.Signals;

namespace Zmarty.Trading.WinRate;

/// <summary>How a past signal ended.</summary>
public enum OutcomeKind
{
    /// <summary>The first target was reached before the stop.</summary>
    Win,

    /// <summary>The stop was reached first, or both within one bar.</summary>
    Loss,

    /// <summary>Neither within the horizon: held to the horizon's last close.</summary>
    Expired,

    /// <summary>Neither yet, and the horizon has not passed by the time the outcome is taken.</summary>
    Pending,
}

/// <summary>A past directional signal to resolve: its time, side, entry, stop and first target.</summary>
public readonly record struct PastSignal(DateTimeOffset At, SignalDirection Direction, double Entry, double StopLoss, double TakeProfit);

/// <summary>The outcome of one signal, booked where a trader holding it would have exited (docs/trading-statistics.md).</summary>
/// <param name="ResolvedAt">
/// Time of the bar the exit was booked on: the bar that decided a win or loss, the horizon's last bar for an expiry;
/// null while pending, or for an expiry whose horizon held no bar.
/// </param>
/// <param name="ExitPrice">
/// Where it was booked: the stop or the target, the bar's open when the bar opened beyond either, or the horizon's
/// last close; null when not booked.
/// </param>
/// <param name="R">Result in units of initial risk: direction × (exit − entry) / |entry − stop|; −1 at the stop; 0 unless booked.</param>
/// <param name="ReturnPercent">Result in percent of entry, in the signal's direction: direction × (exit − entry) / entry × 100; 0 unless booked.</param>
public readonly record struct SignalOutcome(PastSignal Signal, OutcomeKind Kind, DateTimeOffset? ResolvedAt, double? ExitPrice, double R, double ReturnPercent)
{
    /// <summary>Whether the outcome has an exit, and so counts in the money statistics.</summary>
    public bool IsBooked => ExitPrice is not null;
}
