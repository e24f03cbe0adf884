namespace Zmarty.Emulators.Market;

/// <summary>One OHLCV bar as the emulator serves it, stamped by its open time.</summary>
public readonly record struct EmulatedBar(DateTimeOffset OpenTime, double Open, double High, double Low, double Close, double Volume, double Buy);

/// <summary>
/// Deterministic prices: per symbol and timeframe a seeded, mean-reverting random walk of the log price, keyed by
/// the bar's index since the epoch. Each bar's shock is a hash of (seed, symbol, timeframe, index), and a bar's
/// close depends only on the shocks before it, so the same bar has the same OHLCV in every request and every run.
/// </summary>
public sealed class MarketWalk(ulong seed)
{
    /// <summary>Bars replayed before a block: ρ^Warmup ≈ 0.25 %, so the zero it starts from no longer shows.</summary>
    private const int Warmup = 3000;

    /// <summary>Bars that share one replay anchor.</summary>
    private const int Block = 256;

    /// <summary>Per-bar persistence of the walk: close to 1 trends like a market, below 1 keeps prices in range.</summary>
    private const double Persistence = 0.998;

    /// <summary>Log-price shock per hour; a bar of another length scales it by √(length / 1 h).</summary>
    private const double HourlyShock = 0.01;

    public static readonly IReadOnlyDictionary<string, TimeSpan> Timeframes = new Dictionary<string, TimeSpan>(StringComparer.Ordinal)
    {
        ["5m"] = TimeSpan.FromMinutes(5),
        ["15m"] = TimeSpan.FromMinutes(15),
        ["30m"] = TimeSpan.FromMinutes(30),
        ["1h"] = TimeSpan.FromHours(1),
        ["4h"] = TimeSpan.FromHours(4),
        ["d"] = TimeSpan.FromDays(1),
    };

    /// <summary>The <paramref name="count"/> bars up to and including the one open at <paramref name="now"/>, oldest first.</summary>
    public EmulatedBar[] Bars(string symbol, string timeframe, DateTimeOffset now, int count)
    {
        var interval = Timeframes[timeframe];
        var last = now.ToUnixTimeMilliseconds() / (long)interval.TotalMilliseconds;
        var first = last - count + 1;
        var stream = Stream(symbol, timeframe);
        var shock = HourlyShock * Math.Sqrt(interval.TotalHours);
        var basePrice = BasePrice(symbol);
        var baseVolume = 1e6 / Math.Sqrt(basePrice);
        var closes = Walk(stream, shock, first - 1, last);

        var bars = new EmulatedBar[count];
        for (var i = 0; i < count; i++)
        {
            var index = first + i;
            var open = basePrice * Math.Exp(closes[i]);
            var close = basePrice * Math.Exp(closes[i + 1]);
            var high = Math.Max(open, close) * (1 + (Math.Abs(Gaussian(stream, index, 1)) * shock * 0.5));
            var low = Math.Min(open, close) * (1 - (Math.Abs(Gaussian(stream, index, 2)) * shock * 0.5));
            var volume = baseVolume * Math.Exp(0.3 * Gaussian(stream, index, 3)) * interval.TotalHours;
            var buyShare = 0.35 + (0.3 * Uniform(stream, index, 4));
            bars[i] = new EmulatedBar(DateTimeOffset.FromUnixTimeMilliseconds(index * (long)interval.TotalMilliseconds), open, high, low, close, volume, volume * buyShare);
        }

        return bars;
    }

    /// <summary>
    /// The walk's log price at <paramref name="from"/>..<paramref name="to"/>. Each value is replayed from the fixed
    /// anchor of its block of <see cref="Block"/> bars, the same operations in the same order whichever window asks,
    /// so a bar's price is bit-for-bit the same in every answer.
    /// </summary>
    private static double[] Walk(ulong stream, double shock, long from, long to)
    {
        var values = new double[to - from + 1];
        var index = from;
        while (index <= to)
        {
            var block = index / Block;
            double walk = 0;
            for (var j = (block * Block) - Warmup; j < index; j++)
            {
                walk = (Persistence * walk) + (shock * Gaussian(stream, j, 0));
            }

            for (var end = Math.Min(to, ((block + 1) * Block) - 1); index <= end; index++)
            {
                walk = (Persistence * walk) + (shock * Gaussian(stream, index, 0));
                values[index - from] = walk;
            }
        }

        return values;
    }

    /// <summary>The latest price of <paramref name="symbol"/>: the 1h walk's current close, which ticker and clusters agree with.</summary>
    public double Price(string symbol, DateTimeOffset now) => Bars(symbol, "1h", now, 1)[0].Close;

    /// <summary>A number in [0, 1) fixed by (symbol, what, index), for readings that are not prices.</summary>
    public double Draw(string symbol, string what, long index) => Uniform(Stream(symbol, what), index, 0);

    /// <summary>The price the symbol's walks revert to, whatever the timeframe.</summary>
    public double ReferencePrice(string symbol) => BasePrice(symbol);

    /// <summary>Log-uniform from 0.05 to 50,000 per symbol: small caps and majors alike.</summary>
    private double BasePrice(string symbol) => 0.05 * Math.Pow(10, 6 * Uniform(Stream(symbol, "base"), 0, 0));

    private ulong Stream(string symbol, string timeframe) => Mix(seed ^ Fnv(symbol.ToUpperInvariant()) ^ (Fnv(timeframe) * 31));

    private static double Gaussian(ulong stream, long index, int draw)
    {
        var u1 = 1 - Uniform(stream, index, draw * 2);
        var u2 = Uniform(stream, index, (draw * 2) + 1);
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static double Uniform(ulong stream, long index, int draw) =>
        (Mix(stream + ((ulong)index * 0x9E3779B97F4A7C15UL) + (ulong)draw) >> 11) * (1.0 / (1UL << 53));

    /// <summary>SplitMix64's finaliser: a stateless hash with good avalanche, so neighbouring indexes are unrelated.</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong Fnv(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }
}
