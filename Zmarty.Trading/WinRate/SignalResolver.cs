using Zmarty.Trading.Indicators;
using Zmarty.Trading.Signals;

namespace Zmarty.Trading.WinRate;

/// <summary>Resolves past signals against the bars that follow them (DOMAIN.md §5).</summary>
public static class SignalResolver
{
    /// <summary>
    /// Walks the bars after <see cref="PastSignal.At"/> (time strictly later) up to At + <paramref name="horizon"/>:
    /// the first bar that touches the stop or the target decides; a bar that touches both is a loss, because
    /// OHLC cannot tell which came first and assuming the worse is the honest choice. With no touch the signal is
    /// expired once At + horizon ≤ <paramref name="asOf"/>, pending before.
    /// </summary>
    /// <param name="bars">In increasing time order.</param>
    /// <exception cref="ArgumentException">The signal is flat, or its stop and target are not on either side of entry.</exception>
    public static SignalOutcome Resolve(PastSignal signal, ReadOnlySpan<Bar> bars, TimeSpan horizon, DateTimeOffset asOf)
    {
        var isLong = signal.Direction switch
        {
            SignalDirection.Long when signal.StopLoss < signal.Entry && signal.TakeProfit > signal.Entry => true,
            SignalDirection.Short when signal.StopLoss > signal.Entry && signal.TakeProfit < signal.Entry => false,
            _ => throw new ArgumentException($"A {signal.Direction} signal with entry {signal.Entry}, stop {signal.StopLoss} and target {signal.TakeProfit} cannot be resolved.", nameof(signal)),
        };

        var end = signal.At + horizon;
        for (var i = FirstAfter(bars, signal.At); i < bars.Length && bars[i].Time <= end; i++)
        {
            var bar = bars[i];
            var stopped = isLong ? bar.Low <= signal.StopLoss : bar.High >= signal.StopLoss;
            var reached = isLong ? bar.High >= signal.TakeProfit : bar.Low <= signal.TakeProfit;
            if (stopped)
            {
                return new SignalOutcome(signal, OutcomeKind.Loss, bar.Time, -1, -Percent(signal.StopLoss, signal.Entry));
            }

            if (reached)
            {
                var r = Math.Abs(signal.TakeProfit - signal.Entry) / Math.Abs(signal.Entry - signal.StopLoss);
                return new SignalOutcome(signal, OutcomeKind.Win, bar.Time, r, Percent(signal.TakeProfit, signal.Entry));
            }
        }

        return new SignalOutcome(signal, end <= asOf ? OutcomeKind.Expired : OutcomeKind.Pending, null, 0, 0);
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

    private static double Percent(double price, double entry) => Math.Abs(price - entry) / entry * 100;

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
