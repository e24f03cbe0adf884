namespace Zmarty.Trading.Sizing;

/// <summary>
/// The rules <see cref="DoublingOptions"/> must follow. The host runs them at start (<c>ValidateOnStart</c>), and
/// <see cref="DoublingAdvisor"/> runs the same rules when constructed directly.
/// </summary>
public sealed class DoublingOptionsValidator() : SectionValidator<DoublingOptions>(DoublingOptions.SectionName)
{
    private protected override void Check(DoublingOptions options, OptionsCheck check)
    {
        for (var stage = 1; stage <= DoublingOptions.Stages; stage++)
        {
            var percent = options.StagePercent(stage);
            var previous = stage == 1 ? 0 : options.StagePercent(stage - 1);
            check.That(percent > previous, $"Stage{stage}Percent", $"is {percent}; each stage must hold more than the one before ({previous}).");
            check.That(options.StageMaxLeverage(stage) > 0, $"Stage{stage}MaxLeverage", $"is {options.StageMaxLeverage(stage)}; it must be above 0.");
        }

        // The cap is exclusive: with it at or below stage 1 no position could ever be opened.
        check.That(
            options.MaxPositionPercent > options.Stage1Percent && options.MaxPositionPercent <= 100,
            nameof(options.MaxPositionPercent),
            $"is {options.MaxPositionPercent}; it must be above {check.Key(nameof(options.Stage1Percent))} ({options.Stage1Percent}) and at most 100.");
        check.Within(options.MinimumEntryScore, 0, 1);
        check.Within(options.ScoreDeltaThreshold, 0, 1);
        check.AtLeast(options.CooldownSeconds, 0);
        check.Above(options.VolatilityThreshold, 0);
        check.Within(options.MaxLongRisk, 0, 1);
        check.Within(options.MinShortRisk, 0, 1);
        check.Percent(options.DailyLossLimitPercent);
        check.Percent(options.MaxDrawdownPercent);
    }
}
