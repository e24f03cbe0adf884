namespace Zmarty.Trading.Risk;

/// <summary>One point of a risk grid: at <see cref="Price"/> the risk metric is <see cref="Risk"/>.</summary>
public readonly record struct RiskGridPoint(double Price, double Risk);

/// <summary>
/// A symbol's risk grid (docs/domain.md §4): prices for risk levels 0..1, usually in 0.025 steps. The risk of a price
/// is the linear interpolation between the neighbouring points, 0 below the grid and 1 above it.
/// </summary>
public sealed class RiskGrid
{
    /// <summary>The blueprint's step between risk levels.</summary>
    public const double Step = 0.025;

    private readonly RiskGridPoint[] _points;

    /// <param name="points">At least two points, prices strictly increasing, risks non-decreasing within 0..1.</param>
    /// <exception cref="ArgumentException">The points do not form such a grid.</exception>
    public RiskGrid(IEnumerable<RiskGridPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        _points = [.. points];
        if (_points.Length < 2)
        {
            throw new ArgumentException("A risk grid needs at least two points.", nameof(points));
        }

        for (var i = 0; i < _points.Length; i++)
        {
            var point = _points[i];
            if (!double.IsFinite(point.Price) || point.Risk is < 0 or > 1 || double.IsNaN(point.Risk))
            {
                throw new ArgumentException($"Point {i} ({point.Price}, {point.Risk}) is outside the grid's domain.", nameof(points));
            }

            if (i > 0 && (point.Price <= _points[i - 1].Price || point.Risk < _points[i - 1].Risk))
            {
                throw new ArgumentException($"Point {i} does not increase in price and risk.", nameof(points));
            }
        }
    }

    /// <summary>The points, lowest price first.</summary>
    public IReadOnlyList<RiskGridPoint> Points => _points;

    /// <summary>
    /// A grid from the prices at risk 0, 0.025, 0.05, ... (the blueprint's layout: 41 prices reach 1.0).
    /// </summary>
    public static RiskGrid FromStepPrices(IReadOnlyList<double> pricesByStep)
    {
        ArgumentNullException.ThrowIfNull(pricesByStep);
        if (pricesByStep.Count > 41)
        {
            throw new ArgumentException("At 0.025 steps a grid holds at most 41 prices (risk 0 to 1).", nameof(pricesByStep));
        }

        var points = new RiskGridPoint[pricesByStep.Count];
        for (var i = 0; i < points.Length; i++)
        {
            // 3 × 0.025 is 0.07500000000000001 in binary; rounding keeps the levels the grid names.
            points[i] = new RiskGridPoint(pricesByStep[i], Math.Round(i * Step, 3));
        }

        return new RiskGrid(points);
    }

    /// <summary>The risk at <paramref name="price"/>: 0 below the first point, 1 above the last, linear between.</summary>
    public double RiskAt(double price)
    {
        if (price < _points[0].Price)
        {
            return 0;
        }

        if (price > _points[^1].Price)
        {
            return 1;
        }

        var low = 0;
        var high = _points.Length - 1;
        while (high - low > 1)
        {
            var middle = (low + high) / 2;
            if (_points[middle].Price <= price)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }

        var a = _points[low];
        var b = _points[high];
        return a.Risk + ((b.Risk - a.Risk) * (price - a.Price) / (b.Price - a.Price));
    }
}
