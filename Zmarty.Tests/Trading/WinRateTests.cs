using Zmarty.Trading.Indicators;
using Zmarty.Trading.Signals;
using Zmarty.Trading.WinRate;

namespace Zmarty.Tests.Trading;

public sealed class WinRateTests
{
    private static readonly DateTimeOffset _at = TestSeries.Start;
    private static readonly PastSignal _long = new(_at, SignalDirection.Long, Entry: 100, StopLoss: 98, TakeProfit: 102);
    private static readonly PastSignal _short = new(_at, SignalDirection.Short, Entry: 100, StopLoss: 102, TakeProfit: 98);

    // Bars one hour apart starting one hour after the signal, as (high, low), opening and closing at the entry.
    private static Bar[] After(params (double High, double Low)[] ranges) =>
        [.. ranges.Select((r, i) => new Bar(_at.AddHours(i + 1), 100, r.High, r.Low, 100, 1))];

    // The same with every price given.
    private static Bar[] After(params (double Open, double High, double Low, double Close)[] bars) =>
        [.. bars.Select((b, i) => new Bar(_at.AddHours(i + 1), b.Open, b.High, b.Low, b.Close, 1))];

    private static SignalOutcome Resolve(PastSignal signal, Bar[] bars, double horizonHours = 24, double asOfHours = 48) =>
        SignalResolver.Resolve(signal, bars, TimeSpan.FromHours(horizonHours), _at.AddHours(asOfHours));

    [Fact]
    public void The_target_before_the_stop_is_a_win_worth_reward_over_risk()
    {
        var outcome = Resolve(_long, After((101, 99), (102.5, 99.5)));

        Assert.Equal(OutcomeKind.Win, outcome.Kind);
        Assert.Equal(_at.AddHours(2), outcome.ResolvedAt);
        Assert.Equal(102, outcome.ExitPrice);
        Assert.Equal(1, outcome.R, 12);
        Assert.Equal(2, outcome.ReturnPercent, 12);
        Assert.Equal(2, Resolve(_long with { TakeProfit = 104 }, After((104, 99))).R, 12);
    }

    [Fact]
    public void The_stop_first_is_a_loss_of_one_r()
    {
        var outcome = Resolve(_long, After((101, 99), (100.5, 97.5), (103, 99)));

        Assert.Equal(OutcomeKind.Loss, outcome.Kind);
        Assert.Equal(_at.AddHours(2), outcome.ResolvedAt);
        Assert.Equal(98, outcome.ExitPrice);
        Assert.Equal(-1, outcome.R);
        Assert.Equal(-2, outcome.ReturnPercent, 12);
    }

    [Fact]
    public void Stop_and_target_inside_one_bar_is_a_loss_at_the_stop()
    {
        Assert.Equal((OutcomeKind.Loss, -1.0), Summary(Resolve(_long, After((103, 97)))));
        Assert.Equal((OutcomeKind.Loss, -1.0), Summary(Resolve(_short, After((103, 97)))));
    }

    [Fact]
    public void Short_signals_mirror_long_ones()
    {
        Assert.Equal(OutcomeKind.Win, Resolve(_short, After((101, 97.9))).Kind);
        Assert.Equal(OutcomeKind.Loss, Resolve(_short, After((102, 99))).Kind);
    }

    // Issue 14, item 2. Long 100 / stop 98: the next bar opens at 97, the whole bar below the stop; a stop order
    // fills at the open: (97 − 100) / 2 = −1.5 R, −3 %. A bar opening at 97.5 that trades back up to 99 is booked at
    // its open as well (−1.25 R): the stop was already passed when trading resumed. The short mirrors it at 103.
    [Fact]
    public void A_loss_that_gaps_through_the_stop_is_booked_at_the_open()
    {
        var wholeBarBeyond = Resolve(_long, After((97.0, 97.5, 96.0, 97.0)));
        var openedBeyond = Resolve(_long, After((97.5, 99.0, 97.0, 98.5)));
        var shortGap = Resolve(_short, After((103.0, 104.0, 102.5, 103.5)));

        Assert.Equal((OutcomeKind.Loss, 97.0, -1.5, -3.0), Booking(wholeBarBeyond));
        Assert.Equal((OutcomeKind.Loss, 97.5, -1.25, -2.5), Booking(openedBeyond));
        Assert.Equal((OutcomeKind.Loss, 103.0, -1.5, -3.0), Booking(shortGap));
    }

    // Issue 14, item 2, the trader's side. Long 100 / target 102: a bar opening at 103 fills the target order at
    // 103, +1.5 R, even if the bar later falls through the stop (the open comes first). A bar that opens at 100 and
    // rises through 102 fills at the target, +1 R.
    [Fact]
    public void A_target_gapped_through_is_booked_at_the_open_and_a_target_reached_inside_the_bar_at_the_target()
    {
        var gapped = Resolve(_long, After((103.0, 104.0, 101.5, 103.5)));
        var gappedThenFalls = Resolve(_long, After((103.0, 103.2, 97.0, 97.5)));
        var reached = Resolve(_long, After((100.0, 102.5, 99.5, 102.2)));
        var shortGap = Resolve(_short, After((97.0, 97.5, 96.0, 96.5)));

        Assert.Equal((OutcomeKind.Win, 103.0, 1.5, 3.0), Booking(gapped));
        Assert.Equal((OutcomeKind.Win, 103.0, 1.5, 3.0), Booking(gappedThenFalls));
        Assert.Equal((OutcomeKind.Win, 102.0, 1.0, 2.0), Booking(reached));
        Assert.Equal((OutcomeKind.Win, 97.0, 1.5, 3.0), Booking(shortGap));
    }

    // Issue 14, item 3. Long 100 / 98 / 102, horizon 3 h: no bar reaches a level; the last bar of the horizon closes
    // at 101.5, so the trader exits there: +0.75 R, +1.5 %. The bar at hour 4, beyond the horizon, is not used.
    [Fact]
    public void An_expired_signal_is_booked_at_the_close_of_the_horizon()
    {
        var bars = After((100.0, 101.0, 99.0, 100.5), (100.5, 101.5, 99.5, 101.0), (101.0, 101.8, 99.8, 101.5), (101.5, 103.0, 101.0, 102.5));

        var outcome = Resolve(_long, bars, horizonHours: 3, asOfHours: 10);

        Assert.Equal(OutcomeKind.Expired, outcome.Kind);
        Assert.Equal(_at.AddHours(3), outcome.ResolvedAt);
        Assert.Equal((OutcomeKind.Expired, 101.5, 0.75, 1.5), Booking(outcome));
        Assert.True(outcome.IsBooked);
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
    public void An_expiry_whose_horizon_holds_no_bar_is_counted_but_not_booked()
    {
        // The only bar is at hour 1; the signal at hour 5 has a horizon of hours 5..7 with no bar in it.
        var hole = SignalResolver.Resolve(_long with { At = _at.AddHours(5) }, After((101, 99)), TimeSpan.FromHours(2), _at.AddHours(10));

        Assert.Equal((OutcomeKind.Expired, null, null), (hole.Kind, hole.ExitPrice, hole.ResolvedAt));
        Assert.False(hole.IsBooked);
    }

    // Issue 14, item 1. The long's target is reached at hour 3 (the short's stop too) and the long's stop at hour 4.
    // Taken as of hour 2 both signals are pending, whatever the later bars hold; as of hour 3 the long is a win. With
    // a 2-hour horizon the long expires as of hour 2, at hour 2's close: +0.5 / 2 = +0.25 R.
    [Fact]
    public void A_resolution_whose_as_of_cuts_the_series_uses_no_bar_after_it()
    {
        var bars = After((100.0, 101.0, 99.0, 100.0), (100.0, 101.0, 99.0, 100.5), (100.5, 102.5, 100.0, 102.0), (102.0, 102.0, 97.0, 97.5));

        Assert.Equal(OutcomeKind.Pending, Resolve(_long, bars, horizonHours: 24, asOfHours: 2).Kind);
        Assert.Equal(OutcomeKind.Pending, Resolve(_short, bars, horizonHours: 24, asOfHours: 2).Kind);
        Assert.Equal(OutcomeKind.Win, Resolve(_long, bars, horizonHours: 24, asOfHours: 3).Kind);
        Assert.Equal((OutcomeKind.Expired, 100.5, 0.25, 0.5), Booking(Resolve(_long, bars, horizonHours: 2, asOfHours: 2)));
    }

    // Property test of item 1: on random series, signals and cut times, the outcome taken as of a time is the same
    // whether the bars after that time exist or not.
    [Fact]
    public void No_outcome_depends_on_a_bar_after_as_of()
    {
        var random = new Random(1414);
        var cuts = 0;
        for (var seed = 0; seed < 300; seed++)
        {
            var bars = TestSeries.RandomWalk(seed, 120, step: 0.015);
            var signalBar = random.Next(100);
            var entry = bars[signalBar].Close;
            var signal = random.Next(2) == 0
                ? new PastSignal(bars[signalBar].Time, SignalDirection.Long, entry, entry * 0.98, entry * 1.02)
                : new PastSignal(bars[signalBar].Time, SignalDirection.Short, entry, entry * 1.02, entry * 0.98);
            var asOf = bars[signalBar + random.Next(20)].Time;
            var known = bars.Where(b => b.Time <= asOf).ToArray();

            var withFuture = SignalResolver.Resolve(signal, bars, TimeSpan.FromHours(12), asOf);
            var withoutFuture = SignalResolver.Resolve(signal, known, TimeSpan.FromHours(12), asOf);

            Assert.Equal(withoutFuture, withFuture);
            cuts += withFuture.Kind == OutcomeKind.Pending ? 1 : 0;
        }

        Assert.InRange(cuts, 1, 299);
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

    // Sequence: win +1R (+2 %), loss, win +2R (+4 %), loss, loss, win +1R (+2 %), an expiry with no bar, pending.
    // wins 3, losses 3, sample 6, booked 6, win rate 3 / 6 = 0.5.
    // average win = (2 + 4 + 2) / 3 = 8/3 %, average loss = 2 %; profit factor = 8 / 6 = 4/3.
    // expectancy = (8 − 6) / 6 = 1/3 % (= 8/3 × 0.5 − 2 × 0.5); average R = (1 − 1 + 2 − 1 − 1 + 1) / 6 = 1/6.
    // running R: 1, 0, 2, 1, 0, 1: the deepest fall from a peak is 2 → 0, so max drawdown = 2 R.
    [Fact]
    public void Statistics_of_a_hand_made_sequence()
    {
        var stats = WinRateStatistics.From(
        [
            Win(1), Loss(), Win(2), Loss(), Loss(), Win(1),
            new(_long, OutcomeKind.Expired, null, null, 0, 0),
            new(_long, OutcomeKind.Pending, null, null, 0, 0),
        ]);

        Assert.Equal((3, 3, 1, 1), (stats.Wins, stats.Losses, stats.Expired, stats.Pending));
        Assert.Equal(6, stats.SampleSize);
        Assert.Equal(6, stats.Booked);
        Assert.Equal(0.5, stats.WinRate);
        Assert.Equal(8.0 / 3, stats.AverageWinPercent!.Value, 12);
        Assert.Equal(2, stats.AverageLossPercent!.Value, 12);
        Assert.Equal(4.0 / 3, stats.ProfitFactor!.Value, 12);
        Assert.Equal(1.0 / 3, stats.ExpectancyPercent!.Value, 12);
        Assert.Equal(1.0 / 6, stats.AverageR!.Value, 12);
        Assert.Equal(2, stats.MaxDrawdownR, 12);
    }

    // Issue 14, item 3. Win +1 R (+2 %), an expiry at −0.5 R (−1 %), a loss −1 R (−2 %). The win rate stays
    // 1 / (1 + 1) = 0.5 with the expiry reported beside it; the money statistics count all three:
    // profit factor 2 / (1 + 2) = 2/3; expectancy (2 − 1 − 2) / 3 = −1/3 %; average R (1 − 0.5 − 1) / 3 = −1/6;
    // running R 1, 0.5, −0.5: max drawdown 1.5 R (it would be 1 R with the expiry left out).
    [Fact]
    public void Expired_signals_count_in_profit_factor_expectancy_average_r_and_drawdown_but_not_in_the_win_rate()
    {
        var stats = WinRateStatistics.From([Win(1), new(_long, OutcomeKind.Expired, _at, 99, -0.5, -1), Loss()]);

        Assert.Equal(0.5, stats.WinRate);
        Assert.Equal((2, 1, 3), (stats.SampleSize, stats.Expired, stats.Booked));
        Assert.Equal(2.0 / 3, stats.ProfitFactor!.Value, 12);
        Assert.Equal(-1.0 / 3, stats.ExpectancyPercent!.Value, 12);
        Assert.Equal(-1.0 / 6, stats.AverageR!.Value, 12);
        Assert.Equal(1.5, stats.MaxDrawdownR, 12);
        Assert.Equal(2, stats.AverageWinPercent);
        Assert.Equal(2, stats.AverageLossPercent);
    }

    [Fact]
    public void Ratios_that_would_divide_by_zero_are_null()
    {
        var none = WinRateStatistics.From([new SignalOutcome(_long, OutcomeKind.Expired, null, null, 0, 0)]);
        var allWins = WinRateStatistics.From([Win(1)]);

        Assert.Null(none.WinRate);
        Assert.Null(none.ExpectancyPercent);
        Assert.Equal((0, 0), (none.SampleSize, none.Booked));
        Assert.Equal(1, allWins.WinRate);
        Assert.Null(allWins.ProfitFactor);
        Assert.Null(allWins.AverageLossPercent);
        Assert.Equal(0, allWins.MaxDrawdownR);
    }

    private static SignalOutcome Win(double r) => new(_long, OutcomeKind.Win, _at, 100 + (2 * r), r, 2 * r);

    private static SignalOutcome Loss() => new(_long, OutcomeKind.Loss, _at, 98, -1, -2);

    private static (OutcomeKind Kind, double R) Summary(SignalOutcome o) => (o.Kind, o.R);

    private static (OutcomeKind Kind, double? Exit, double R, double ReturnPercent) Booking(SignalOutcome o) =>
        (o.Kind, o.ExitPrice, Math.Round(o.R, 9), Math.Round(o.ReturnPercent, 9));
}
