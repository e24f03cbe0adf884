namespace Zmarty.Trading.Indicators;

/// <summary>
/// The value of every <see cref="IndicatorLine"/> at one bar. A null value means the series is too short for that
/// indicator yet (its warm-up), never a failure.
/// </summary>
public sealed class IndicatorSnapshot
{
    /// <summary>The close's key in <see cref="ToDictionary"/>, beside the lines' keys.</summary>
    public const string CloseKey = "close";

    // One value per line, indexed by IndicatorLine; NaN while the line warms up.
    private readonly double[] _values;

    /// <summary>A snapshot holding <paramref name="values"/>; every line not given (or given null) is missing.</summary>
    public IndicatorSnapshot(DateTimeOffset time, double close, params ReadOnlySpan<(IndicatorLine Line, double? Value)> values)
        : this(time, close, Missing())
    {
        foreach (var (line, value) in values)
        {
            _values[(int)line] = value ?? double.NaN;
        }
    }

    internal IndicatorSnapshot(DateTimeOffset time, double close, double[] values)
    {
        Time = time;
        Close = close;
        _values = values;
    }

    /// <summary>The bar's time.</summary>
    public DateTimeOffset Time { get; }

    /// <summary>The bar's close.</summary>
    public double Close { get; }

    /// <summary>The line's value at this bar; null while it warms up.</summary>
    public double? this[IndicatorLine line] => double.IsNaN(_values[(int)line]) ? null : _values[(int)line];

    /// <summary>
    /// The close and every line by its key, in table order, null while warming up: the shape of
    /// <c>indicators.data</c> and of the snapshot in JSON.
    /// </summary>
    public IReadOnlyDictionary<string, double?> ToDictionary()
    {
        var dictionary = new OrderedDictionary<string, double?>(IndicatorLines.Count + 1, StringComparer.Ordinal) { [CloseKey] = Close };
        foreach (var line in IndicatorLines.All)
        {
            dictionary[line.Key()] = this[line];
        }

        return dictionary;
    }

    private static double[] Missing()
    {
        var values = new double[IndicatorLines.Count];
        Array.Fill(values, double.NaN);
        return values;
    }
}
