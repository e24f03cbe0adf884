using Zmarty.Trading.Indicators;
using Zmarty.Trading.Signals;

namespace Zmarty.Trading.WinRate;

/// <summary>
/// Resolves past signals against the bars that follow them (docs/domain.md §5), booking each where a trader holding it
/// would have exited. docs/trading-statistics.md states every convention.
/// </summary>
public static class SignalResolver
{
    /// <summary>
    /// Walks the bars stamped after <see cref="PastSignal.At"/> and at most At + <paramref name="horizon"/>, and
    /// never a bar stamped after <paramref name="asOf"/>, so an outcome depends only on what was known at asOf. In
    /// each bar, first its open: at or beyond the stop it is a loss at the open, at or beyond the target a win at the
    /// open (a gap fills there, not at the level). Then its range: a bar reaching the stop is a loss at the stop,
    /// also when it reaches the target too, because OHLC cannot tell which came first and the worse is the honest
    /// assumption; a bar reaching only the target is a win at the target. With neither, the signal expires at the
    /// close of the horizon's last bar once At + horizon ≤ asOf, and is pending before.
    /// </summary>
    /// <param name="bars">In increasing time order; each stamped with the time it opens.</param>
    /// <param name="asOf">The time of the latest bar that may be used: the last closed bar when taking stock now.</param>
    /// <exception cref="ArgumentException">The signal is flat, or its stop and target are not on either side of entry.</exception>
    public static SignalOutcome Resolve(PastSignal signal, ReadOnlySpan<Bar> bars, TimeSpan horizon, DateTimeOffset asOf)
    {
        double direction = signal.Direction switch
        {
            SignalDirection.Long when signal.StopLoss < signal.Entry && signal.TakeProfit > signal.Entry => 1,
            SignalDirection.Short when signal.StopLoss > signal.Entry && signal.TakeProfit < signal.Entry => -1,
            _ => throw new ArgumentException($"A {signal.Direction} signal with entry {signal.Entry}, stop {signal.StopLoss} and target {signal.TakeProfit} cannot be resolved.", nameof(signal)),
        };

        // Signed so that for both sides "at or beyond the stop" is ≤ 0 and "at or beyond the target" is ≥ 0.
        bool AtStop(double price) => direction * (price - signal.StopLoss) <= 0;
        bool AtTarget(double price) => direction * (price - signal.TakeProfit) >= 0;
        SignalOutcome Exit(OutcomeKind kind, Bar bar, double price)
        {
            var move = direction * (price - signal.Entry);
            return new SignalOutcome(signal, kind, bar.Time, price, move / Math.Abs(signal.Entry - signal.StopLoss), move / signal.Entry * 100);
        }

        var end = signal.At + horizon;
        var lastUsable = end < asOf ? end : asOf;
        Bar? last = null;
        for (var i = FirstAfter(bars, signal.At); i < bars.Length && bars[i].Time <= lastUsable; i++)
        {
            var bar = bars[i];
            var (adverse, favourable) = direction > 0 ? (bar.Low, bar.High) : (bar.High, bar.Low);
            if (AtStop(bar.Open))
            {
                return Exit(OutcomeKind.Loss, bar, bar.Open);
            }

            if (AtTarget(bar.Open))
            {
                return Exit(OutcomeKind.Win, bar, bar.Open);
            }

            if (AtStop(adverse))
            {
                return Exit(OutcomeKind.Loss, bar, signal.StopLoss);
            }

            if (AtTarget(favourable))
            {
                return Exit(OutcomeKind.Win, bar, signal.TakeProfit);
            }

            last = bar;
        }

        if (end > asOf)
        {
            return new SignalOutcome(signal, OutcomeKind.Pending, null, null, 0, 0);
        }

        return last is { } close ? Exit(OutcomeKind.Expired, close, close.Close) : new SignalOutcome(signal, OutcomeKind.Expired, null, null, 0, 0);
    }

    /// <summary>Resolves every signal; the outcomes come back in signal time order.</summary>
    public static IReadOnlyList<SignalOutcome> ResolveAll(IEnumerable<PastSignal> signals, ReadOnlySpan<Bar> bars, TimeSpan horizon, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(signals);
        var ordered = signals.OrderBy(s => s.At).ToArray();
        var outcomes = new SignalOutcome[ordered.Length];
        for (var i = 0; i < ordered.Length; i++)
        {
            outcomes[i] = Resolve(ordered[i], bars, horizon, asOf);
        }

        return outcomes;
    }

    private static int FirstAfter(ReadOnlySpan<Bar> bars, DateTimeOffset time)
    {
        int low = 0, high = bars.Length;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (bars[middle].Time <= time)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }
}
