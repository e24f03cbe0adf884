using Zmarty.Trading.Indicators;

namespace Zmarty.Tests.Trading;

/// <summary>
/// Independent implementations of the indicators in the most literal form of their definitions: every window is
/// recomputed from scratch, nothing is incremental, NaN marks "not defined yet" and propagates through windows.
/// Where TA-Lib deviates from the textbook (MACD's fast-EMA seed, the DMI's first smoothing step) the TA-Lib rule is
/// written out and says so, because the production code promises TA-Lib's numbers.
/// </summary>
internal static class IndicatorReference
{
    public static double[] Closes(Bar[] bars) => [.. bars.Select(b => b.Close)];

    // Mean of x[i-p+1..i]; NaN if the window reaches before 0 or holds a NaN.
    public static double WindowMean(double[] x, int i, int p) =>
        i - p + 1 < 0 ? double.NaN : Enumerable.Range(i - p + 1, p).Select(j => x[j]).Average();

    public static double[] Sma(double[] x, int p) => [.. Enumerable.Range(0, x.Length).Select(i => WindowMean(x, i, p))];

    // EMA(i) = α x(i) + (1 − α) EMA(i − 1), α = 2 / (p + 1), started at the first SMA of p defined values.
    public static double[] Ema(double[] x, int p)
    {
        var result = Enumerable.Repeat(double.NaN, x.Length).ToArray();
        var alpha = 2.0 / (p + 1);
        var seeded = false;
        for (var i = 0; i < x.Length; i++)
        {
            if (!seeded)
            {
                var mean = WindowMean(x, i, p);
                if (double.IsNaN(mean))
                {
                    continue;
                }

                result[i] = mean;
                seeded = true;
                continue;
            }

            result[i] = (alpha * x[i]) + ((1 - alpha) * result[i - 1]);
        }

        return result;
    }

    // Wilder: average gain/loss of the first p changes, then avg = (avg (p − 1) + current) / p; RSI = 100 − 100 / (1 + RS).
    public static double[] Rsi(double[] close, int p)
    {
        var result = Enumerable.Repeat(double.NaN, close.Length).ToArray();
        var gains = new List<double>();
        var losses = new List<double>();
        for (var i = 1; i < close.Length; i++)
        {
            gains.Add(Math.Max(close[i] - close[i - 1], 0));
            losses.Add(Math.Max(close[i - 1] - close[i], 0));
        }

        if (gains.Count < p)
        {
            return result;
        }

        var avgGain = gains.Take(p).Average();
        var avgLoss = losses.Take(p).Average();
        for (var i = p; ; i++)
        {
            result[i] = avgGain + avgLoss == 0 ? 50 : avgLoss == 0 ? 100 : 100 - (100 / (1 + (avgGain / avgLoss)));
            if (i == gains.Count)
            {
                return result;
            }

            avgGain = ((avgGain * (p - 1)) + gains[i]) / p;
            avgLoss = ((avgLoss * (p - 1)) + losses[i]) / p;
        }
    }

    public static double Highest(Bar[] bars, int i, int p) => bars.Skip(i - p + 1).Take(p).Max(b => b.High);

    public static double Lowest(Bar[] bars, int i, int p) => bars.Skip(i - p + 1).Take(p).Min(b => b.Low);

    public static (double[] K, double[] D) Stochastic(Bar[] bars, int kp, int slowing, int dp)
    {
        var fastK = Enumerable.Range(0, bars.Length).Select(i =>
        {
            if (i < kp - 1)
            {
                return double.NaN;
            }

            var hh = Highest(bars, i, kp);
            var ll = Lowest(bars, i, kp);
            return hh == ll ? 50 : 100 * (bars[i].Close - ll) / (hh - ll);
        }).ToArray();
        var k = Sma(fastK, slowing);
        var d = Sma(k, dp);

        // TA-Lib starts %K together with %D.
        for (var i = 0; i < k.Length; i++)
        {
            if (double.IsNaN(d[i]))
            {
                k[i] = double.NaN;
            }
        }

        return (k, d);
    }

    public static double[] WilliamsR(Bar[] bars, int p) => [.. Enumerable.Range(0, bars.Length).Select(i =>
    {
        if (i < p - 1)
        {
            return double.NaN;
        }

        var hh = Highest(bars, i, p);
        var ll = Lowest(bars, i, p);
        return hh == ll ? -50 : -100 * (hh - bars[i].Close) / (hh - ll);
    })];

    public static double[] Roc(double[] close, int p) =>
        [.. Enumerable.Range(0, close.Length).Select(i => i < p ? double.NaN : 100 * (close[i] - close[i - p]) / close[i - p])];

    public static double[] Momentum(double[] close, int p) =>
        [.. Enumerable.Range(0, close.Length).Select(i => i < p ? double.NaN : close[i] - close[i - p])];

    public static double Typical(Bar b) => (b.High + b.Low + b.Close) / 3;

    public static double[] Mfi(Bar[] bars, int p) => [.. Enumerable.Range(0, bars.Length).Select(i =>
    {
        if (i < p)
        {
            return double.NaN;
        }

        double positive = 0, negative = 0;
        for (var j = i - p + 1; j <= i; j++)
        {
            var flow = Typical(bars[j]) * bars[j].Volume;
            if (Typical(bars[j]) > Typical(bars[j - 1]))
            {
                positive += flow;
            }
            else if (Typical(bars[j]) < Typical(bars[j - 1]))
            {
                negative += flow;
            }
        }

        return positive + negative == 0 ? 50 : 100 - (100 / (1 + (positive / negative)));
    })];

    public static double TrueRange(Bar[] bars, int i) =>
        new[] { bars[i].High - bars[i].Low, Math.Abs(bars[i].High - bars[i - 1].Close), Math.Abs(bars[i].Low - bars[i - 1].Close) }.Max();

    public static double[] UltimateOscillator(Bar[] bars, int p1, int p2, int p3) => [.. Enumerable.Range(0, bars.Length).Select(i =>
    {
        if (i < p3)
        {
            return double.NaN;
        }

        double Average(int p)
        {
            double bp = 0, tr = 0;
            for (var j = i - p + 1; j <= i; j++)
            {
                bp += bars[j].Close - Math.Min(bars[j].Low, bars[j - 1].Close);
                tr += TrueRange(bars, j);
            }

            return tr == 0 ? 0.5 : bp / tr;
        }

        return 100 * ((4 * Average(p1)) + (2 * Average(p2)) + Average(p3)) / (4 + 2 + 1);
    })];

    // TA-Lib MACD: the fast EMA is seeded at the slow EMA's first index with the mean of the fast-period closes
    // ending there (not at index fast − 1); signal = EMA of MACD; all three lines start with the signal.
    public static (double[] Macd, double[] Signal, double[] Histogram) Macd(double[] close, int fast, int slow, int signal)
    {
        var shifted = close.Select((c, i) => i < slow - fast ? double.NaN : c).ToArray();
        var fastEma = Ema(shifted, fast);
        var slowEma = Ema(close, slow);
        var line = fastEma.Zip(slowEma, (f, s) => f - s).ToArray();
        var signalLine = Ema(line, signal);
        var macd = line.Select((m, i) => double.IsNaN(signalLine[i]) ? double.NaN : m).ToArray();
        return (macd, signalLine, [.. macd.Zip(signalLine, (m, s) => m - s)]);
    }

    // Wilder ATR: mean of the first p true ranges (bars 1..p), then (ATR (p − 1) + TR) / p.
    public static double[] Atr(Bar[] bars, int p)
    {
        var result = Enumerable.Repeat(double.NaN, bars.Length).ToArray();
        if (bars.Length <= p)
        {
            return result;
        }

        result[p] = Enumerable.Range(1, p).Select(i => TrueRange(bars, i)).Average();
        for (var i = p + 1; i < bars.Length; i++)
        {
            result[i] = ((result[i - 1] * (p - 1)) + TrueRange(bars, i)) / p;
        }

        return result;
    }

    // TA-Lib DMI: +DM/−DM/TR summed over changes 1..p−1, then S = S − S/p + x from change p on (TA-Lib's first
    // step, where the textbook would sum p changes); DI = 100 S(DM)/S(TR); DX = 100 |+DI − −DI| / (+DI + −DI);
    // ADX = mean of the first p DX, then Wilder-smoothed.
    public static (double[] Plus, double[] Minus, double[] Adx) Dmi(Bar[] bars, int p)
    {
        var n = bars.Length;
        var plus = Enumerable.Repeat(double.NaN, n).ToArray();
        var minus = Enumerable.Repeat(double.NaN, n).ToArray();
        var adx = Enumerable.Repeat(double.NaN, n).ToArray();
        var dx = Enumerable.Repeat(double.NaN, n).ToArray();
        double PlusDm(int i)
        {
            var up = bars[i].High - bars[i - 1].High;
            var down = bars[i - 1].Low - bars[i].Low;
            return up > down && up > 0 ? up : 0;
        }

        double MinusDm(int i)
        {
            var up = bars[i].High - bars[i - 1].High;
            var down = bars[i - 1].Low - bars[i].Low;
            return down > up && down > 0 ? down : 0;
        }

        if (n <= p)
        {
            return (plus, minus, adx);
        }

        var sPlus = Enumerable.Range(1, p - 1).Sum(PlusDm);
        var sMinus = Enumerable.Range(1, p - 1).Sum(MinusDm);
        var sTr = Enumerable.Range(1, p - 1).Sum(i => TrueRange(bars, i));
        for (var i = p; i < n; i++)
        {
            sPlus = sPlus - (sPlus / p) + PlusDm(i);
            sMinus = sMinus - (sMinus / p) + MinusDm(i);
            sTr = sTr - (sTr / p) + TrueRange(bars, i);
            plus[i] = sTr == 0 ? 0 : 100 * sPlus / sTr;
            minus[i] = sTr == 0 ? 0 : 100 * sMinus / sTr;
            dx[i] = plus[i] + minus[i] == 0 ? 0 : 100 * Math.Abs(plus[i] - minus[i]) / (plus[i] + minus[i]);
        }

        var first = (2 * p) - 1;
        if (n > first)
        {
            adx[first] = Enumerable.Range(p, p).Select(i => dx[i]).Average();
            for (var i = first + 1; i < n; i++)
            {
                adx[i] = ((adx[i - 1] * (p - 1)) + dx[i]) / p;
            }
        }

        return (plus, minus, adx);
    }

    // Wilder's SAR: tomorrow = today + AF (EP − today), kept beyond the last two bars' extremes; a bar that reaches
    // the SAR reverses the trend, the SAR jumps to the EP and AF restarts. TA-Lib's start: long unless bar 1 shows −DM,
    // first SAR bar 0's low (high), first EP bar 1's high (low), and bar 1 is its own "previous bar".
    public static double[] ParabolicSar(Bar[] bars, double step, double maximum)
    {
        var result = Enumerable.Repeat(double.NaN, bars.Length).ToArray();
        if (bars.Length < 2)
        {
            return result;
        }

        var down = bars[0].Low - bars[1].Low;
        var up = bars[1].High - bars[0].High;
        var rising = !(down > 0 && down > up);
        var sar = rising ? bars[0].Low : bars[0].High;
        var extreme = rising ? bars[1].High : bars[1].Low;
        var af = step;
        for (var t = 1; t < bars.Length; t++)
        {
            var yesterday = bars[Math.Max(t - 1, 1)];
            var today = bars[t];
            if ((rising && today.Low <= sar) || (!rising && today.High >= sar))
            {
                rising = !rising;
                sar = rising ? new[] { extreme, yesterday.Low, today.Low }.Min() : new[] { extreme, yesterday.High, today.High }.Max();
                result[t] = sar;
                af = step;
                extreme = rising ? today.High : today.Low;
            }
            else
            {
                result[t] = sar;
                if ((rising && today.High > extreme) || (!rising && today.Low < extreme))
                {
                    extreme = rising ? today.High : today.Low;
                    af = Math.Min(af + step, maximum);
                }
            }

            sar += af * (extreme - sar);
            sar = rising ? new[] { sar, yesterday.Low, today.Low }.Min() : new[] { sar, yesterday.High, today.High }.Max();
        }

        return result;
    }

    // Bars since the highest high / lowest low in the last p + 1 bars, the latest bar winning ties.
    public static (double[] Up, double[] Down) Aroon(Bar[] bars, int p)
    {
        var up = Enumerable.Repeat(double.NaN, bars.Length).ToArray();
        var down = Enumerable.Repeat(double.NaN, bars.Length).ToArray();
        for (var i = p; i < bars.Length; i++)
        {
            var window = Enumerable.Range(i - p, p + 1).ToArray();
            var highIndex = window.Last(j => bars[j].High == window.Max(k => bars[k].High));
            var lowIndex = window.Last(j => bars[j].Low == window.Min(k => bars[k].Low));
            up[i] = 100.0 * (p - (i - highIndex)) / p;
            down[i] = 100.0 * (p - (i - lowIndex)) / p;
        }

        return (up, down);
    }

    public static double[] Trix(double[] close, int p)
    {
        var triple = Ema(Ema(Ema(close, p), p), p);
        return [.. Enumerable.Range(0, close.Length).Select(i => i == 0 ? double.NaN : 100 * (triple[i] - triple[i - 1]) / triple[i - 1])];
    }

    // Population standard deviation, as TA-Lib's BBANDS uses.
    public static (double[] Upper, double[] Middle, double[] Lower) Bollinger(double[] close, int p, double k)
    {
        var middle = Sma(close, p);
        var sigma = Enumerable.Range(0, close.Length).Select(i => i < p - 1
            ? double.NaN
            : Math.Sqrt(Enumerable.Range(i - p + 1, p).Select(j => Math.Pow(close[j] - middle[i], 2)).Sum() / p)).ToArray();
        return ([.. middle.Zip(sigma, (m, s) => m + (k * s))], middle, [.. middle.Zip(sigma, (m, s) => m - (k * s))]);
    }

    public static (double[] Upper, double[] Middle, double[] Lower) Keltner(Bar[] bars, int emaPeriod, int atrPeriod, double k)
    {
        var middle = Ema(Closes(bars), emaPeriod);
        var atr = Atr(bars, atrPeriod);
        var mid = middle.Zip(atr, (m, a) => double.IsNaN(a) ? double.NaN : m).ToArray();
        return ([.. mid.Zip(atr, (m, a) => m + (k * a))], mid, [.. mid.Zip(atr, (m, a) => m - (k * a))]);
    }

    public static double[] Obv(Bar[] bars) => [.. Enumerable.Range(0, bars.Length).Select(i =>
        bars[0].Volume + Enumerable.Range(1, i).Sum(j => Math.Sign(bars[j].Close - bars[j - 1].Close) * bars[j].Volume))];

    // Σ typical × volume / Σ volume over the bars of the same UTC date up to this one.
    public static double[] Vwap(Bar[] bars) => [.. Enumerable.Range(0, bars.Length).Select(i =>
    {
        var session = bars.Take(i + 1).Where(b => b.Time.UtcDateTime.Date == bars[i].Time.UtcDateTime.Date).ToArray();
        var volume = session.Sum(b => b.Volume);
        return volume == 0 ? Typical(bars[i]) : session.Sum(b => Typical(b) * b.Volume) / volume;
    })];

    public static double[] Cci(Bar[] bars, int p) => [.. Enumerable.Range(0, bars.Length).Select(i =>
    {
        if (i < p - 1)
        {
            return double.NaN;
        }

        var window = bars.Skip(i - p + 1).Take(p).Select(Typical).ToArray();
        var mean = window.Average();
        var meanDeviation = window.Select(t => Math.Abs(t - mean)).Average();
        return meanDeviation == 0 ? 0 : (Typical(bars[i]) - mean) / (0.015 * meanDeviation);
    })];
}
