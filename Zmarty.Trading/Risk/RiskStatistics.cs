namespace Zmarty.Trading.Risk;

/// <summary>What the blueprint stores in <c>risk_metric.metrics</c> for one symbol at one time.</summary>
/// <param name="Risk">The grid's risk at the latest close, 0..1.</param>
/// <param name="Band">The band of <paramref name="Risk"/>.</param>
/// <param name="Leaning">Which way that band leans.</param>
/// <param name="Volatility">Sample standard deviation of the last period log returns, per bar; null with too few bars.</param>
/// <param name="MaxDrawdown">Largest peak-to-trough fall of the close over the window, as a fraction 0..1.</param>
/// <param name="Sharpe">Mean over standard deviation of the simple returns in the window, per bar; null when undefined.</param>
public sealed record RiskMetrics(double Risk, RiskBand Band, RiskLeaning Leaning, double? Volatility, double MaxDrawdown, double? Sharpe);

/// <summary>Volatility, drawdown and Sharpe over a price series, per bar (not annualised).</summary>
public static class RiskStatistics
{
    /// <summary>Returns used for volatility unless stated: 30 bars.</summary>
    public const int DefaultVolatilityPeriod = 30;

    /// <summary>
    /// σ = sqrt(Σ (rᵢ − r̄)² / (period − 1)) over the last <paramref name="period"/> log returns rᵢ = ln(cᵢ / cᵢ₋₁).
    /// Null when there are fewer than period + 1 closes.
    /// </summary>
    public static double? Volatility(ReadOnlySpan<double> closes, int period = DefaultVolatilityPeriod)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, 2);
        if (closes.Length < period + 1)
        {
            return null;
        }

        var window = closes[^(period + 1)..];
        double mean = 0;
        for (var i = 1; i < window.Length; i++)
        {
            mean += Math.Log(window[i] / window[i - 1]);
        }

        mean /= period;
        double squares = 0;
        for (var i = 1; i < window.Length; i++)
        {
            var deviation = Math.Log(window[i] / window[i - 1]) - mean;
            squares += deviation * deviation;
        }

        return Math.Sqrt(squares / (period - 1));
    }

    /// <summary>max over t of (max₍ₛ≤ₜ₎ cₛ − cₜ) / max₍ₛ≤ₜ₎ cₛ: the worst fall from a running peak, 0 for a series that never falls.</summary>
    public static double MaxDrawdown(ReadOnlySpan<double> closes)
    {
        double peak = double.MinValue, worst = 0;
        foreach (var close in closes)
        {
            peak = Math.Max(peak, close);
            if (peak > 0)
            {
                worst = Math.Max(worst, (peak - close) / peak);
            }
        }

        return worst;
    }

    /// <summary>
    /// (mean(rᵢ) − riskFreePerBar) / σ(rᵢ) over the simple returns rᵢ = cᵢ / cᵢ₋₁ − 1 of the last
    /// <paramref name="window"/> returns, σ the sample deviation. Null with too few closes or σ = 0.
    /// </summary>
    public static double? Sharpe(ReadOnlySpan<double> closes, int window, double riskFreePerBar = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 2);
        if (closes.Length < window + 1)
        {
            return null;
        }

        var span = closes[^(window + 1)..];
        double mean = 0;
        for (var i = 1; i < span.Length; i++)
        {
            mean += (span[i] / span[i - 1]) - 1;
        }

        mean /= window;
        double squares = 0;
        for (var i = 1; i < span.Length; i++)
        {
            var deviation = (span[i] / span[i - 1]) - 1 - mean;
            squares += deviation * deviation;
        }

        var sigma = Math.Sqrt(squares / (window - 1));
        return sigma == 0 ? null : (mean - riskFreePerBar) / sigma;
    }

    /// <summary>
    /// The risk metric at the latest close plus volatility (stated period), max drawdown and Sharpe over the last
    /// <paramref name="window"/> returns.
    /// </summary>
    public static RiskMetrics Measure(RiskGrid grid, ReadOnlySpan<double> closes, int window, int volatilityPeriod = DefaultVolatilityPeriod)
    {
        ArgumentNullException.ThrowIfNull(grid);
        if (closes.IsEmpty)
        {
            throw new ArgumentException("At least one close is needed.", nameof(closes));
        }

        var risk = grid.RiskAt(closes[^1]);
        var band = RiskBands.Classify(risk);
        var recent = closes[^Math.Min(closes.Length, window + 1)..];
        return new RiskMetrics(risk, band, band.Leaning(), Volatility(closes, volatilityPeriod), MaxDrawdown(recent), Sharpe(closes, window));
    }
}
