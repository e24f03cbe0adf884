namespace Zmarty.Trading.WinRate;

/// <summary>
/// Statistics of resolved signals. Only wins and losses are resolved; expired and pending signals are counted but
/// take no part in any ratio. Values that would divide by zero are null (JSON has no infinity).
/// </summary>
/// <param name="SampleSize">wins + losses.</param>
/// <param name="WinRate">wins / (wins + losses).</param>
/// <param name="AverageWinPercent">Σ win returns / wins, percent of entry.</param>
/// <param name="AverageLossPercent">Σ |loss returns| / losses, percent of entry.</param>
/// <param name="ProfitFactor">Σ win returns / Σ |loss returns|; null without losses.</param>
/// <param name="ExpectancyPercent">average win × win rate − average loss × (1 − win rate), percent of entry per signal.</param>
/// <param name="AverageR">Σ R / (wins + losses).</param>
/// <param name="MaxDrawdownR">Largest fall of the running sum of R from its previous peak (which starts at 0), in R.</param>
public sealed record WinRateStatistics(
    int Wins,
    int Losses,
    int Expired,
    int Pending,
    int SampleSize,
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
        int wins = 0, losses = 0, expired = 0, pending = 0;
        double winPercent = 0, lossPercent = 0, sumR = 0, peakR = 0, drawdownR = 0;
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
                    lossPercent += Math.Abs(outcome.ReturnPercent);
                    break;
                case OutcomeKind.Expired:
                    expired++;
                    continue;
                default:
                    pending++;
                    continue;
            }

            sumR += outcome.R;
            peakR = Math.Max(peakR, sumR);
            drawdownR = Math.Max(drawdownR, peakR - sumR);
        }

        var sample = wins + losses;
        if (sample == 0)
        {
            return new WinRateStatistics(0, 0, expired, pending, 0, null, null, null, null, null, null, 0);
        }

        var winRate = (double)wins / sample;
        var averageWin = wins == 0 ? 0 : winPercent / wins;
        var averageLoss = losses == 0 ? 0 : lossPercent / losses;
        return new WinRateStatistics(
            wins,
            losses,
            expired,
            pending,
            sample,
            winRate,
            wins == 0 ? null : averageWin,
            losses == 0 ? null : averageLoss,
            losses == 0 ? null : winPercent / lossPercent,
            (averageWin * winRate) - (averageLoss * (1 - winRate)),
            sumR / sample,
            drawdownR);
    }
}
