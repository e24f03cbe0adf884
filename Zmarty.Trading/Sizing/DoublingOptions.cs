namespace Zmarty.Trading.Sizing;

/// <summary>
/// The doubling ladder and its guardrails (docs/domain.md §5), bound from configuration section <see cref="SectionName"/> and
/// checked at start by <see cref="DoublingOptionsValidator"/>.
/// Stage sizes are the whole position after the step, in percent of the account; each stage has its own leverage cap.
/// </summary>
/// <remarks>
/// With the blueprint's defaults stage 4 (16 %) can never stay under <see cref="MaxPositionPercent"/> (10 %): the ladder
/// stops at stage 3 until one of the two is configured differently. That is the blueprint's numbers, kept as given.
/// Stages are four scalar pairs, not lists, because the configuration binder appends to a default list.
/// </remarks>
public sealed class DoublingOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Trading:Doubling";

    /// <summary>Number of stages in the ladder.</summary>
    public const int Stages = 4;

    public double Stage1Percent { get; set; } = 2;

    public double Stage2Percent { get; set; } = 4;

    public double Stage3Percent { get; set; } = 8;

    public double Stage4Percent { get; set; } = 16;

    public double Stage1MaxLeverage { get; set; } = 20;

    public double Stage2MaxLeverage { get; set; } = 10;

    public double Stage3MaxLeverage { get; set; } = 5;

    public double Stage4MaxLeverage { get; set; } = 2;

    /// <summary>Score a first entry needs (the owner's bot traded only scores ≥ 80/100).</summary>
    public double MinimumEntryScore { get; set; } = 0.8;

    /// <summary>SCORE_DELTA_THRESHOLD: a step up needs a score at least this much above the previous step's.</summary>
    public double ScoreDeltaThreshold { get; set; } = 0.1;

    /// <summary>
    /// MAX_POSITION_PCT: the position after a step stays strictly under this percent of the account, as the blueprint
    /// says ("stays under"): a stage of exactly this size is held back.
    /// </summary>
    public double MaxPositionPercent { get; set; } = 10;

    /// <summary>COOLDOWN_SECONDS: time that must pass between steps.</summary>
    public int CooldownSeconds { get; set; } = 3600;

    /// <summary>
    /// VOLATILITY_THRESHOLD: no step while daily volatility (the standard deviation of log returns scaled to one day,
    /// whatever the timeframe) is above this; the blueprint's 0.05 is read as 5 % a day.
    /// </summary>
    public double VolatilityThreshold { get; set; } = 0.05;

    /// <summary>
    /// No long step at or above this owner's risk (his SHORT zone begins at 0.65): buying where his metric says sell.
    /// </summary>
    public double MaxLongRisk { get; set; } = 0.65;

    /// <summary>No short step at or below this owner's risk (his LONG zone ends at 0.35).</summary>
    public double MinShortRisk { get; set; } = 0.35;

    /// <summary>No step once the account has lost this percent since the start of the day.</summary>
    public double DailyLossLimitPercent { get; set; } = 5;

    /// <summary>Circuit breaker: no step once the account is this percent below its peak.</summary>
    public double MaxDrawdownPercent { get; set; } = 15;

    /// <summary>Position size of a stage (1..4), percent of the account.</summary>
    public double StagePercent(int stage) => stage switch
    {
        1 => Stage1Percent,
        2 => Stage2Percent,
        3 => Stage3Percent,
        4 => Stage4Percent,
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "Stages run from 1 to 4."),
    };

    /// <summary>Leverage cap of a stage (1..4).</summary>
    public double StageMaxLeverage(int stage) => stage switch
    {
        1 => Stage1MaxLeverage,
        2 => Stage2MaxLeverage,
        3 => Stage3MaxLeverage,
        4 => Stage4MaxLeverage,
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "Stages run from 1 to 4."),
    };
}
