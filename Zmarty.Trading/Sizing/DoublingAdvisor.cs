using System.Globalization;
using Microsoft.Extensions.Options;
using Zmarty.Trading.Signals;

namespace Zmarty.Trading.Sizing;

/// <summary>
/// Recommends the next step of the doubling strategy (2 / 4 / 8 / 16 % at 20× / 10× / 5× / 2×) or says which
/// guardrails hold it back. Advice only: Zmarty places no orders.
/// </summary>
public sealed class DoublingAdvisor
{
    // Scores and percents are sums of decimals (0.8 + 0.1 is 0.9000000000000001): compare with a little slack.
    private const double Tolerance = 1e-9;

    private readonly DoublingOptions _options;

    /// <exception cref="OptionsValidationException">The options break a rule of <see cref="DoublingOptionsValidator"/>.</exception>
    public DoublingAdvisor(DoublingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        new DoublingOptionsValidator().ThrowIfInvalid(options);
        _options = options;
    }

    /// <summary>Checks every guardrail and recommends a step or a hold.</summary>
    /// <exception cref="ArgumentException">Equity is not positive, or the position's stage is outside 1..4.</exception>
    public DoublingRecommendation Recommend(DoublingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var account = request.Account;
        if (account.Equity <= 0 || account.PeakEquity <= 0 || account.DayStartEquity <= 0)
        {
            throw new ArgumentException("Equity, peak equity and day-start equity must be positive.", nameof(request));
        }

        var position = request.Position;
        if (position is not null && (position.Stage is < 1 or > DoublingOptions.Stages || position.Direction == SignalDirection.Flat))
        {
            throw new ArgumentException($"An open position has a direction and a stage from 1 to {DoublingOptions.Stages}.", nameof(request));
        }

        var current = position?.Stage ?? 0;
        var proposed = Math.Min(current + 1, DoublingOptions.Stages);
        var blocks = new List<GuardrailBlock>();

        if (request.Direction == SignalDirection.Flat)
        {
            blocks.Add(Block(Guardrail.NoDirection, $"the signal is flat"));
        }
        else if (position is not null && position.Direction != request.Direction)
        {
            blocks.Add(Block(Guardrail.OppositePosition, $"the signal is {request.Direction} but the position is {position.Direction}"));
        }

        var drawdown = (account.PeakEquity - account.Equity) / account.PeakEquity * 100;
        if (drawdown >= _options.MaxDrawdownPercent - Tolerance)
        {
            blocks.Add(Block(Guardrail.MaxDrawdown, $"equity is {drawdown:F2} % below its peak; the breaker trips at {_options.MaxDrawdownPercent} %"));
        }

        var dailyLoss = (account.DayStartEquity - account.Equity) / account.DayStartEquity * 100;
        if (dailyLoss >= _options.DailyLossLimitPercent - Tolerance)
        {
            blocks.Add(Block(Guardrail.DailyLossLimit, $"today's loss is {dailyLoss:F2} %; the limit is {_options.DailyLossLimitPercent} %"));
        }

        if (request.Volatility is not { } volatility)
        {
            blocks.Add(Block(Guardrail.Volatility, $"volatility is unknown, so its limit of {_options.VolatilityThreshold} cannot be checked"));
        }
        else if (volatility > _options.VolatilityThreshold + Tolerance)
        {
            blocks.Add(Block(Guardrail.Volatility, $"daily volatility {volatility:F4} is above {_options.VolatilityThreshold}"));
        }

        if (request.Risk is { } risk)
        {
            if (request.Direction == SignalDirection.Long && risk >= _options.MaxLongRisk - Tolerance)
            {
                blocks.Add(Block(Guardrail.RiskZone, $"the owner's risk is {risk:F3}; no long step at or above {_options.MaxLongRisk}"));
            }
            else if (request.Direction == SignalDirection.Short && risk <= _options.MinShortRisk + Tolerance)
            {
                blocks.Add(Block(Guardrail.RiskZone, $"the owner's risk is {risk:F3}; no short step at or below {_options.MinShortRisk}"));
            }
        }

        if (current == DoublingOptions.Stages)
        {
            blocks.Add(Block(Guardrail.LadderComplete, $"the position is already at stage {current}"));
        }
        else if (position is null)
        {
            if (request.Score < _options.MinimumEntryScore - Tolerance)
            {
                blocks.Add(Block(Guardrail.MinimumScore, $"score {request.Score:F3} is below the entry minimum {_options.MinimumEntryScore}"));
            }
        }
        else
        {
            var needed = position.LastStepScore + _options.ScoreDeltaThreshold;
            if (request.Score < needed - Tolerance)
            {
                blocks.Add(Block(Guardrail.ScoreDelta, $"score {request.Score:F3} does not beat the last step's {position.LastStepScore:F3} by {_options.ScoreDeltaThreshold}"));
            }

            var waited = request.At - position.LastStepAt;
            if (waited < TimeSpan.FromSeconds(_options.CooldownSeconds))
            {
                blocks.Add(Block(Guardrail.Cooldown, $"{waited.TotalSeconds:F0} s since the last step; the cooldown is {_options.CooldownSeconds} s"));
            }
        }

        // The blueprint's position "stays under" MAX_POSITION_PCT: a stage exactly at the cap is held back.
        if (current < DoublingOptions.Stages && _options.StagePercent(proposed) >= _options.MaxPositionPercent - Tolerance)
        {
            blocks.Add(Block(Guardrail.MaxPosition, $"stage {proposed} would hold {_options.StagePercent(proposed)} % of the account; the position must stay under {_options.MaxPositionPercent} %"));
        }

        var heldPercent = current == 0 ? 0 : _options.StagePercent(current);
        if (blocks.Count > 0)
        {
            return new DoublingRecommendation(DoublingAction.Hold, current, current == DoublingOptions.Stages ? 0 : proposed, heldPercent, 0, 0, 0, blocks);
        }

        var percent = _options.StagePercent(proposed);
        var add = percent - heldPercent;
        return new DoublingRecommendation(
            current == 0 ? DoublingAction.Enter : DoublingAction.StepUp,
            proposed,
            proposed,
            percent,
            add,
            account.Equity * add / 100,
            _options.StageMaxLeverage(proposed),
            blocks);
    }

    private static GuardrailBlock Block(Guardrail guardrail, FormattableString reason) =>
        new(guardrail, reason.ToString(CultureInfo.InvariantCulture));
}
