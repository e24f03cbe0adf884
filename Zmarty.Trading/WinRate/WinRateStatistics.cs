namespace Zmarty.Trading.WinRate;

/// <summary>
/// Statistics of resolved signals (docs/trading-statistics.md). The win rate counts wins and losses only, as the
/// blueprint defines it; the money statistics count every booked signal, expired ones at the horizon's close
/// included, as a trader holding them would have. Pending signals are counted and take no part in any figure.
/// Values that would divide by zero are null (JSON has no infinity).
/// </summary>
/// <param name="Expired">Signals that reached neither level within the horizon; reported beside the win rate.</param>
/// <param name="SampleSize">wins + losses: the win rate's sample.</param>
/// <param name="Booked">Signals in the money statistics: wins, losses and expired signals with a closing bar.</param>
/// <param name="WinRate">wins / (wins + losses).</param>
/// <param name="AverageWinPercent">Σ win returns / wins, percent of entry.</param>
/// <param name="AverageLossPercent">Σ |loss returns| / losses, percent of entry.</param>
/// <param name="ProfitFactor">Σ positive returns / Σ |negative returns| over booked signals; null when none lost money.</param>
/// <param name="ExpectancyPercent">
/// Σ returns / booked, percent of entry per signal: average gain × share of gaining signals − average loss × share
/// of losing ones. Without expiries this is the blueprint's avg_win × win_rate − avg_loss × (1 − win_rate).
/// </param>
/// <param name="AverageR">Σ R / booked.</param>
/// <param name="MaxDrawdownR">Largest fall of the running sum of R over the booked signals, in the order given, from its previous peak (which starts at 0).</param>
public sealed record WinRateStatistics(
    int Wins,
    int Losses,
    int Expired,
    int Pending,
    int SampleSize,
    int Booked,
    double? WinRate,
    double? AverageWinPercent,
    double? AverageLossPercent,
    double? ProfitFactor,
    double? ExpectancyPercent,
    double? AverageR,
    double MaxDrawdownR)
{
    /// <summary>Computes the statistics of <paramref name="outcomes"/>, taken in the order given (signal time order from the resolver).</summary>
    public static WinRateStatistics From(IEnumerable<SignalOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        int wins = 0, losses = 0, expired = 0, pending = 0, booked = 0;
        double winPercent = 0, lossPercent = 0, gains = 0, losing = 0, sumR = 0, peakR = 0, drawdownR = 0;
        foreach (var outcome in outcomes)
        {
            switch (outcome.Kind)
            {
                case OutcomeKind.Win:
                    wins++;
                    winPercent += outcome.ReturnPercent;
                    break;
                case OutcomeKind.Loss:
                    losses++;
                    lossPercent -= outcome.ReturnPercent;
                    break;
                case OutcomeKind.Expired:
                    expired++;
                    break;
                default:
                    pending++;
                    break;
            }

            if (!outcome.IsBooked)
            {
                continue;
            }

            booked++;
            gains += Math.Max(outcome.ReturnPercent, 0);
            losing += Math.Max(-outcome.ReturnPercent, 0);
            sumR += outcome.R;
            peakR = Math.Max(peakR, sumR);
            drawdownR = Math.Max(drawdownR, peakR - sumR);
        }

        var sample = wins + losses;
        return new WinRateStatistics(
            wins,
            losses,
            expired,
            pending,
            sample,
            booked,
            sample == 0 ? null : (double)wins / sample,
            wins == 0 ? null : winPercent / wins,
            losses == 0 ? null : lossPercent / losses,
            losing == 0 ? null : gains / losing,
            booked == 0 ? null : (gains - losing) / booked,
            booked == 0 ? null : sumR / booked,
            drawdownR);
    }
}
