namespace Zmarty.Trading.Risk;

/// <summary>Where a risk level sits in the owner's cycle: below 0.3 accumulation, above 0.7 distribution.</summary>
public enum RiskZone
{
    Accumulation,
    Neutral,
    Distribution,
}

/// <summary>The owner's signal from risk alone: LONG at risk ≤ 0.35, SHORT at ≥ 0.65.</summary>
public enum RiskSignal
{
    Long,
    Neutral,
    Short,
}

/// <summary>
/// Days a symbol has spent in each of the ten 0.1 risk bands (the owner's <c>cryptoverse_risk_time_bands_v2</c>), from
/// which each band's time-in-band coefficient follows: 1.6 for the rarest band, 1.0 for the most common, linear between
/// by days; a band never visited, or a symbol whose visited bands all took the same time, gets 1.0.
/// </summary>
public sealed record TimeInBands
{
    public const int Bands = 10;

    private readonly int[] _days;

    /// <param name="daysPerBand">Ten counts, band 0–0.1 first; none negative.</param>
    public TimeInBands(IReadOnlyList<int> daysPerBand)
    {
        ArgumentNullException.ThrowIfNull(daysPerBand);
        if (daysPerBand.Count != Bands || daysPerBand.Any(d => d < 0))
        {
            throw new ArgumentException($"Time in bands is {Bands} day counts of 0 or more.", nameof(daysPerBand));
        }

        _days = [.. daysPerBand];
    }

    public IReadOnlyList<int> Days => _days;

    /// <summary>The owner's coefficient of <paramref name="band"/> (0..9), rounded to 3 decimals as his table holds it.</summary>
    public double CoefficientOf(int band)
    {
        var visited = _days.Where(d => d > 0).ToArray();
        if (_days[band] == 0 || visited.Length == 0 || visited.Max() == visited.Min())
        {
            return 1.0;
        }

        var (min, max) = (visited.Min(), visited.Max());
        return Math.Round(1.6 - ((_days[band] - min) * 0.6 / (max - min)), 3);
    }
}

/// <summary>The owner's risk metric of one price (docs/trading-statistics.md, "The owner's risk metric").</summary>
/// <param name="Risk">The grid's risk at the price, rounded to 3 decimals as the owner's function returns it.</param>
/// <param name="Band">The 0.1 band, 0 (0.0–0.1) to 9 (0.9–1.0).</param>
/// <param name="Coefficient">The band's time-in-band coefficient; null when the bands table has no row for the symbol.</param>
/// <param name="BaseScore">100 at risk ≤ 0.15 or ≥ 0.85, 80 to 0.25 / from 0.75, 60 to 0.35 / from 0.65, 50 between.</param>
/// <param name="Score">Base score × coefficient (the base score alone without a coefficient).</param>
public sealed record OwnerRiskReading(
    double Risk, int Band, RiskZone Zone, double? Coefficient, int BaseScore, double Score, RiskSignal Signal)
{
    /// <summary>The band as the owner labels it: <c>0.3-0.4</c>.</summary>
    public string BandLabel => FormattableString.Invariant($"{Band / 10.0:0.0}-{(Band + 1) / 10.0:0.0}");
}

/// <summary>
/// The owner's risk metric: his grid for the symbol (copied from IntoTheCryptoverse), the price's risk by linear
/// interpolation clamped to 0..1, its band, zone, coefficient and score, as his Supabase functions compute them.
/// </summary>
public static class OwnerRiskMetric
{
    public static OwnerRiskReading Read(RiskGrid grid, double price, TimeInBands? bands)
    {
        ArgumentNullException.ThrowIfNull(grid);
        var risk = Math.Round(grid.RiskAt(price), 3, MidpointRounding.AwayFromZero);
        var band = BandOf(risk);
        var coefficient = bands?.CoefficientOf(band);
        var baseScore = BaseScore(risk);
        return new OwnerRiskReading(risk, band, ZoneOf(risk), coefficient, baseScore, baseScore * (coefficient ?? 1.0), SignalOf(risk));
    }

    /// <summary>0.0–0.1 is band 0, …, 0.9–1.0 band 9 (1.0 itself included).</summary>
    public static int BandOf(double risk) => Math.Clamp((int)Math.Floor(risk * 10), 0, TimeInBands.Bands - 1);

    public static int BaseScore(double risk) => risk switch
    {
        <= 0.15 or >= 0.85 => 100,
        <= 0.25 or >= 0.75 => 80,
        <= 0.35 or >= 0.65 => 60,
        _ => 50,
    };

    public static RiskSignal SignalOf(double risk) => risk switch
    {
        <= 0.35 => RiskSignal.Long,
        >= 0.65 => RiskSignal.Short,
        _ => RiskSignal.Neutral,
    };

    public static RiskZone ZoneOf(double risk) => risk switch
    {
        < 0.3 => RiskZone.Accumulation,
        > 0.7 => RiskZone.Distribution,
        _ => RiskZone.Neutral,
    };
}
