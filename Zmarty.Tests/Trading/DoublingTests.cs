using Microsoft.Extensions.Options;
using Zmarty.Trading.Signals;
using Zmarty.Trading.Sizing;

namespace Zmarty.Tests.Trading;

public sealed class DoublingTests
{
    private static readonly DateTimeOffset _now = TestSeries.Start.AddDays(1);
    private static readonly DoublingAdvisor _advisor = new(new DoublingOptions());
    private static readonly AccountState _account = new(Equity: 10_000, PeakEquity: 10_000, DayStartEquity: 10_000);

    private static readonly DoublingRequest _entry = new(SignalDirection.Long, Score: 0.85, Volatility: 0.02, _now, _account, Position: null);

    // A long position at stage 1, stepped two hours ago on a score of 0.8; the new signal scores 0.9.
    private static readonly DoublingRequest _stepUp = _entry with
    {
        Score = 0.9,
        Position = new PositionState(SignalDirection.Long, 1, LastStepScore: 0.8, LastStepAt: _now.AddHours(-2)),
    };

    private static Guardrail HeldBy(DoublingRequest request)
    {
        var recommendation = _advisor.Recommend(request);
        Assert.Equal(DoublingAction.Hold, recommendation.Action);
        Assert.Equal(0, recommendation.AddPercent);
        return Assert.Single(recommendation.HeldBackBy).Guardrail;
    }

    [Fact]
    public void A_strong_signal_without_a_position_enters_at_2_percent_and_20x()
    {
        var recommendation = _advisor.Recommend(_entry);

        Assert.Equal(DoublingAction.Enter, recommendation.Action);
        Assert.Equal(1, recommendation.Stage);
        Assert.Equal(2, recommendation.PositionPercent);
        Assert.Equal(200, recommendation.AddAmount, 9);
        Assert.Equal(20, recommendation.Leverage);
        Assert.Empty(recommendation.HeldBackBy);
    }

    [Fact]
    public void A_better_score_after_the_cooldown_doubles_to_4_percent_at_10x()
    {
        var recommendation = _advisor.Recommend(_stepUp);

        Assert.Equal(DoublingAction.StepUp, recommendation.Action);
        Assert.Equal(2, recommendation.Stage);
        Assert.Equal(4, recommendation.PositionPercent);
        Assert.Equal(2, recommendation.AddPercent);
        Assert.Equal(10, recommendation.Leverage);
    }

    [Fact]
    public void Stage_3_is_8_percent_at_5x() =>
        Assert.Equal((3, 8.0, 5.0), Summary(_advisor.Recommend(_stepUp with { Position = _stepUp.Position! with { Stage = 2 } })));

    [Fact]
    public void A_first_entry_below_the_minimum_score_is_held() =>
        Assert.Equal(Guardrail.MinimumScore, HeldBy(_entry with { Score = 0.79 }));

    [Fact]
    public void A_step_without_a_score_delta_of_0_1_is_held() =>
        Assert.Equal(Guardrail.ScoreDelta, HeldBy(_stepUp with { Score = 0.89 }));

    [Fact]
    public void A_step_inside_the_cooldown_is_held() =>
        Assert.Equal(Guardrail.Cooldown, HeldBy(_stepUp with { Position = _stepUp.Position! with { LastStepAt = _now.AddMinutes(-59) } }));

    [Fact]
    public void High_or_unknown_volatility_holds_the_step()
    {
        Assert.Equal(Guardrail.Volatility, HeldBy(_entry with { Volatility = 0.051 }));
        Assert.Equal(Guardrail.Volatility, HeldBy(_entry with { Volatility = null }));
        Assert.Equal(DoublingAction.Enter, _advisor.Recommend(_entry with { Volatility = 0.05 }).Action);
    }

    [Fact]
    public void The_owners_risk_holds_a_long_in_his_sell_zone_and_a_short_in_his_buy_zone_and_is_not_checked_when_unknown()
    {
        var shortEntry = _entry with { Direction = SignalDirection.Short };

        Assert.Equal(Guardrail.RiskZone, HeldBy(_entry with { Risk = 0.65 }));
        Assert.Equal(Guardrail.RiskZone, HeldBy(shortEntry with { Risk = 0.35 }));
        Assert.Equal(DoublingAction.Enter, _advisor.Recommend(_entry with { Risk = 0.649 }).Action);
        Assert.Equal(DoublingAction.Enter, _advisor.Recommend(shortEntry with { Risk = 0.7 }).Action);
        Assert.Equal(DoublingAction.Enter, _advisor.Recommend(_entry with { Risk = null }).Action);
    }

    [Fact]
    public void A_5_percent_loss_today_holds_the_step() =>
        Assert.Equal(Guardrail.DailyLossLimit, HeldBy(_entry with { Account = _account with { Equity = 9_500, PeakEquity = 10_000 } }));

    [Fact]
    public void A_15_percent_drawdown_trips_the_breaker() =>
        Assert.Equal(Guardrail.MaxDrawdown, HeldBy(_entry with { Account = _account with { PeakEquity = 12_000 } }));

    [Fact]
    public void Stage_4_at_16_percent_exceeds_the_10_percent_maximum_position_with_the_blueprint_defaults()
    {
        var request = _stepUp with { Position = _stepUp.Position! with { Stage = 3 } };
        var held = _advisor.Recommend(request);

        Assert.Equal(Guardrail.MaxPosition, Assert.Single(held.HeldBackBy).Guardrail);
        Assert.Equal(3, held.Stage);
        Assert.Equal(4, held.ProposedStage);
        Assert.Equal(8, held.PositionPercent);
        Assert.Contains("16", held.HeldBackBy[0].Reason, StringComparison.Ordinal);

        var allowed = new DoublingAdvisor(new DoublingOptions { MaxPositionPercent = 20 }).Recommend(request);
        Assert.Equal((4, 16.0, 2.0), Summary(allowed));
    }

    // Issue 14, item 6: the position "stays under" MAX_POSITION_PCT. Stage 3 holds 8 %: with the cap at 8 it is
    // held back, just above 8 it passes. Stage 1 (2 %) with the cap at 2 cannot be configured at all.
    [Fact]
    public void A_stage_exactly_at_the_maximum_position_is_held_and_one_just_under_it_passes()
    {
        var toStage3 = _stepUp with { Position = _stepUp.Position! with { Stage = 2 } };

        var atCap = new DoublingAdvisor(new DoublingOptions { MaxPositionPercent = 8 }).Recommend(toStage3);
        var overCap = new DoublingAdvisor(new DoublingOptions { MaxPositionPercent = 8.000001 }).Recommend(toStage3);

        Assert.Equal(Guardrail.MaxPosition, Assert.Single(atCap.HeldBackBy).Guardrail);
        Assert.Equal("stage 3 would hold 8 % of the account; the position must stay under 8 %", atCap.HeldBackBy[0].Reason);
        Assert.Equal((3, 8.0, 5.0), Summary(overCap));
        Assert.Throws<OptionsValidationException>(() => new DoublingAdvisor(new DoublingOptions { MaxPositionPercent = 2 }));
    }

    [Fact]
    public void A_full_ladder_is_held() =>
        Assert.Equal(Guardrail.LadderComplete, HeldBy(_stepUp with { Position = _stepUp.Position! with { Stage = 4 } }));

    [Fact]
    public void A_flat_or_opposite_signal_is_held()
    {
        Assert.Equal(Guardrail.NoDirection, HeldBy(_entry with { Direction = SignalDirection.Flat }));
        Assert.Equal(Guardrail.OppositePosition, HeldBy(_stepUp with { Direction = SignalDirection.Short }));
    }

    [Fact]
    public void Every_failing_guardrail_is_reported_with_the_first_deciding()
    {
        var recommendation = _advisor.Recommend(_stepUp with { Score = 0.85, Volatility = 0.2, Position = _stepUp.Position! with { LastStepAt = _now } });

        Assert.Equal([Guardrail.Volatility, Guardrail.ScoreDelta, Guardrail.Cooldown], recommendation.HeldBackBy.Select(b => b.Guardrail));
        Assert.All(recommendation.HeldBackBy, b => Assert.False(string.IsNullOrWhiteSpace(b.Reason)));
    }

    [Fact]
    public void The_blueprint_defaults_pass_validation() =>
        Assert.True(new DoublingOptionsValidator().Validate(null, new DoublingOptions()).Succeeded);

    [Fact]
    public void A_ladder_that_does_not_grow_or_cannot_start_is_refused_with_its_keys()
    {
        var options = new DoublingOptions { Stage3Percent = 4, Stage2MaxLeverage = 0, MaxPositionPercent = 2, CooldownSeconds = -1 };

        var error = Assert.Throws<OptionsValidationException>(() => new DoublingAdvisor(options));

        Assert.Equal(
            [
                "Trading:Doubling:Stage2MaxLeverage is 0; it must be above 0.",
                "Trading:Doubling:Stage3Percent is 4; each stage must hold more than the one before (4).",
                "Trading:Doubling:MaxPositionPercent is 2; it must be above Trading:Doubling:Stage1Percent (2) and at most 100.",
                "Trading:Doubling:CooldownSeconds is -1; it must be at least 0.",
            ],
            error.Failures);
    }

    // Property test: whatever the state, an allowed step is exactly its ladder size, within the maximum position,
    // at no more than its leverage cap, and only ever one stage up.
    [Fact]
    public void Sizing_never_exceeds_the_ladder_or_the_leverage_caps()
    {
        var random = new Random(1618);
        var options = new DoublingOptions();
        double[] ladder = [2, 4, 8, 16];
        double[] caps = [20, 10, 5, 2];
        var steps = 0;
        for (var i = 0; i < 5000; i++)
        {
            var stage = random.Next(5);
            var equity = 1_000 + (random.NextDouble() * 10_000);
            var request = new DoublingRequest(
                (SignalDirection)random.Next(3),
                random.NextDouble(),
                random.Next(10) == 0 ? null : random.NextDouble() * 0.08,
                _now,
                new AccountState(equity, equity * (1 + (random.NextDouble() * 0.2)), equity * (1 + (random.NextDouble() * 0.06))),
                stage == 0 ? null : new PositionState((SignalDirection)random.Next(1, 3), stage, random.NextDouble(), _now.AddSeconds(-random.Next(7200))));

            var recommendation = _advisor.Recommend(request);
            if (recommendation.Action == DoublingAction.Hold)
            {
                Assert.NotEmpty(recommendation.HeldBackBy);
                Assert.Equal(0, recommendation.Leverage);
                continue;
            }

            steps++;
            Assert.Equal(stage + 1, recommendation.Stage);
            Assert.Equal(ladder[stage], recommendation.PositionPercent);
            Assert.True(recommendation.PositionPercent < options.MaxPositionPercent);
            Assert.True(recommendation.Leverage <= caps[stage]);
            Assert.Equal(recommendation.PositionPercent - (stage == 0 ? 0 : ladder[stage - 1]), recommendation.AddPercent, 12);
        }

        Assert.InRange(steps, 1, 4999);
    }

    private static (int Stage, double Percent, double Leverage) Summary(DoublingRecommendation r) =>
        (r.Stage, r.PositionPercent, r.Leverage);
}
