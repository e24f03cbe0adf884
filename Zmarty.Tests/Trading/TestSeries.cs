using Zmarty.Trading.Indicators;

namespace Zmarty.Tests.Trading;

/// <summary>Deterministic OHLCV series for the trading tests.</summary>
internal static class TestSeries
{
    public static readonly DateTimeOffset Start = new(2025, 1, 6, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// A seeded random walk of hourly bars: each close moves by up to ±<paramref name="step"/> (fraction) from the
    /// previous one, the bar opens at the previous close, and high/low reach a little beyond open and close.
    /// </summary>
    public static Bar[] RandomWalk(int seed, int count, double start = 100, double step = 0.02)
    {
        var random = new Random(seed);
        var bars = new Bar[count];
        var close = start;
        for (var i = 0; i < count; i++)
        {
            var open = close;
            close = open * (1 + ((random.NextDouble() - 0.5) * 2 * step));
            var high = Math.Max(open, close) * (1 + (random.NextDouble() * step / 2));
            var low = Math.Min(open, close) * (1 - (random.NextDouble() * step / 2));
            var volume = Math.Round(100 + (random.NextDouble() * 900), 2);
            bars[i] = new Bar(Start.AddHours(i), open, high, low, close, volume);
        }

        return bars;
    }

    /// <summary>Bars from (high, low, close) triples, one hour apart, opening at the previous close.</summary>
    public static Bar[] FromHlc(params (double High, double Low, double Close)[] values) =>
        [.. values.Select((v, i) => new Bar(Start.AddHours(i), i == 0 ? v.Close : values[i - 1].Close, v.High, v.Low, v.Close, 100))];

    /// <summary>Bars whose every price is <paramref name="price"/>.</summary>
    public static Bar[] Flat(int count, double price = 100, double volume = 10) =>
        [.. Enumerable.Range(0, count).Select(i => new Bar(Start.AddHours(i), price, price, price, price, volume))];
}
