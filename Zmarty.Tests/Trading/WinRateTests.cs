using Zmarty.Trading.Indicators;
using Zmarty.Trading.Signals;
using Zmarty.Trading.WinRate;

namespace Zmarty.Tests.Trading;

public sealed class WinRateTests
{
    private static readonly DateTimeOffset _at = TestSeries.Start;
    private static readonly PastSignal _long = new(_at, SignalDirection.Long, Entry: 100, StopLoss: 98, TakeProfit: 102);
    private static readonly PastSignal _short = new(_at, SignalDirection.Short, Entry: 100, StopLoss: 102, TakeProfit: 98);

    // Bars one hour apart starting one hour after the signal, as (high, low).
    private static Bar[] After(params (double High, double Low)[] ranges) =>
        [.. ranges.Select((r, i) => new Bar(_at.AddHours(i + 1), 100, r.High, r.Low, 100, 1))];

    private static SignalOutcome Resolve(PastSignal signal, Bar[] bars, double horizonHours = 24, double asOfHours = 48) =>
        SignalResolver.Resolve(signal, bars, TimeSpan.FromHours(horizonHours), _at.AddHours(asOfHours));

    [Fact]
    public void The_target_before_the_stop_is_a_win_worth_reward_over_risk()
    {
        var outcome = Resolve(_long, After((101, 99), (102.5, 99.5)));

        Assert.Equal(OutcomeKind.Win, outcome.Kind);
        Assert.Equal(_at.AddHours(2), outcome.ResolvedAt);
        Assert.Equal(1, outcome.R, 12);
        Assert.Equal(2, outcome.ReturnPercent, 12);
        Assert.Equal(2, Resolve(_long with { TakeProfit = 104 }, After((104, 99))).R, 12);
    }

    [Fact]
    public void The_stop_first_is_a_loss()
    {
        var outcome = Resolve(_long, After((101, 99), (100.5, 97.5), (103, 99)));

        Assert.Equal(OutcomeKind.Loss, outcome.Kind);
        Assert.Equal(_at.AddHours(2), outcome.ResolvedAt);
        Assert.Equal(-1, outcome.R);
        Assert.Equal(-2, outcome.ReturnPercent, 12);
    }

    [Fact]
    public void Stop_and_target_inside_one_bar_is_a_loss()
    {
        Assert.Equal(OutcomeKind.Loss, Resolve(_long, After((103, 97))).Kind);
        Assert.Equal(OutcomeKind.Loss, Resolve(_short, After((103, 97))).Kind);
    }

    [Fact]
    public void Short_signals_mirror_long_ones()
    {
        Assert.Equal(OutcomeKind.Win, Resolve(_short, After((101, 97.9))).Kind);
        Assert.Equal(OutcomeKind.Loss, Resolve(_short, After((102, 99))).Kind);
    }

    [Fact]
    public void Neither_within_the_horizon_is_expired_once_the_horizon_has_passed_and_pending_before()
    {
        // The target comes at hour 3, after a 2-hour horizon.
        var bars = After((101, 99), (101, 99), (103, 99));

        Assert.Equal(OutcomeKind.Expired, Resolve(_long, bars, horizonHours: 2, asOfHours: 3).Kind);
        Assert.Equal(OutcomeKind.Pending, Resolve(_long, bars[..1], horizonHours: 2, asOfHours: 1).Kind);
        Assert.Equal(OutcomeKind.Win, Resolve(_long, bars, horizonHours: 3).Kind);
    }

    [Fact]
    public void The_bar_at_the_signal_time_does_not_count()
    {
        Bar[] bars = [new Bar(_at, 100, 100, 90, 100, 1), .. After((102, 99))];

        Assert.Equal(OutcomeKind.Win, Resolve(_long, bars).Kind);
    }

    [Fact]
    public void A_signal_whose_levels_contradict_its_direction_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Resolve(_long with { StopLoss = 101 }, After((101, 99))));
        Assert.Throws<ArgumentException>(() => Resolve(_long with { Direction = SignalDirection.Flat }, After((101, 99))));
    }

    [Fact]
    public void Resolve_all_returns_outcomes_in_signal_time_order()
    {
        var later = _long with { At = _at.AddHours(1) };
        var outcomes = SignalResolver.ResolveAll([later, _long], After((101, 99), (102, 99)), TimeSpan.FromHours(5), _at.AddHours(10));

        Assert.Equal([_long, later], outcomes.Select(o => o.Signal));
        Assert.All(outcomes, o => Assert.Equal(OutcomeKind.Win, o.Kind));
    }

    // Sequence: win +1R (+2 %), loss, win +2R (+4 %), loss, loss, win +1R (+2 %), expired, pending.
    // wins 3, losses 3, sample 6, win rate 3 / 6 = 0.5.
    // average win = (2 + 4 + 2) / 3 = 8/3 %, average loss = 2 %; profit factor = 8 / 6 = 4/3.
    // expectancy = 8/3 × 0.5 − 2 × 0.5 = 1/3 %; average R = (1 − 1 + 2 − 1 − 1 + 1) / 6 = 1/6.
    // running R: 1, 0, 2, 1, 0, 1: the deepest fall from a peak is 2 → 0, so max drawdown = 2 R.
    [Fact]
    public void Statistics_of_a_hand_made_sequence()
    {
        SignalOutcome Win(double r) => new(_long, OutcomeKind.Win, _at, r, 2 * r);
        SignalOutcome Loss() => new(_long, OutcomeKind.Loss, _at, -1, -2);
        var stats = WinRateStatistics.From(
        [
            Win(1), Loss(), Win(2), Loss(), Loss(), Win(1),
            new(_long, OutcomeKind.Expired, null, 0, 0),
            new(_long, OutcomeKind.Pending, null, 0, 0),
        ]);

        Assert.Equal(3, stats.Wins);
        Assert.Equal(3, stats.Losses);
        Assert.Equal(1, stats.Expired);
        Assert.Equal(1, stats.Pending);
        Assert.Equal(6, stats.SampleSize);
        Assert.Equal(0.5, stats.WinRate);
        Assert.Equal(8.0 / 3, stats.AverageWinPercent!.Value, 12);
        Assert.Equal(2, stats.AverageLossPercent!.Value, 12);
        Assert.Equal(4.0 / 3, stats.ProfitFactor!.Value, 12);
        Assert.Equal(1.0 / 3, stats.ExpectancyPercent!.Value, 12);
        Assert.Equal(1.0 / 6, stats.AverageR!.Value, 12);
        Assert.Equal(2, stats.MaxDrawdownR, 12);
    }

    [Fact]
    public void Ratios_that_would_divide_by_zero_are_null()
    {
        var none = WinRateStatistics.From([new SignalOutcome(_long, OutcomeKind.Expired, null, 0, 0)]);
        var allWins = WinRateStatistics.From([new SignalOutcome(_long, OutcomeKind.Win, _at, 1, 2)]);

        Assert.Null(none.WinRate);
        Assert.Equal(0, none.SampleSize);
        Assert.Equal(1, allWins.WinRate);
        Assert.Null(allWins.ProfitFactor);
        Assert.Null(allWins.AverageLossPercent);
        Assert.Equal(0, allWins.MaxDrawdownR);
    }
}
