namespace Zmarty.Trading.Indicators;

/// <summary>
/// The indicators of docs/domain.md §4 as single passes over a series, with TA-Lib's definitions and warm-up.
/// </summary>
/// <remarks>
/// Every method writes one value per input bar into spans as long as the input. Bars before an indicator has
/// enough history (TA-Lib's lookback) get <see cref="double.NaN"/>. Nothing is allocated: callers own the output
/// spans. Where TA-Lib divides by a zero range (flat prices) it returns 0, which reads as an extreme; these
/// methods return the oscillator's neutral value instead (RSI, Stochastic, MFI and Ultimate 50, Williams %R −50,
/// CCI 0) so a flat market does not look oversold to the scorer.
/// </remarks>
public static class TechnicalIndicators
{
    /// <summary>Simple moving average; first value at index period − 1.</summary>
    public static void Sma(ReadOnlySpan<double> source, int period, Span<double> output) =>
        SmaFrom(source, 0, period, output);

    /// <summary>
    /// Exponential moving average with k = 2 / (period + 1), seeded like TA-Lib with the SMA of the first
    /// period values; first value at index period − 1.
    /// </summary>
    public static void Ema(ReadOnlySpan<double> source, int period, Span<double> output) =>
        EmaFrom(source, 0, period, output);

    /// <summary>RSI with Wilder smoothing: the first averages are plain means of period changes; first value at index period.</summary>
    public static void Rsi(ReadOnlySpan<double> close, int period, Span<double> output)
    {
        Validate(close.Length, period, output.Length);
        var n = close.Length;
        FillWarmUp(output, period);
        if (n <= period)
        {
            return;
        }

        double gain = 0, loss = 0;
        for (var i = 1; i <= period; i++)
        {
            var change = close[i] - close[i - 1];
            gain += Math.Max(change, 0);
            loss += Math.Max(-change, 0);
        }

        gain /= period;
        loss /= period;
        output[period] = Ratio100(gain, loss);
        for (var i = period + 1; i < n; i++)
        {
            var change = close[i] - close[i - 1];
            gain = ((gain * (period - 1)) + Math.Max(change, 0)) / period;
            loss = ((loss * (period - 1)) + Math.Max(-change, 0)) / period;
            output[i] = Ratio100(gain, loss);
        }
    }

    /// <summary>
    /// Slow Stochastic: fast %K = 100 (close − lowest low) / (highest high − lowest low) over kPeriod, %K its SMA
    /// over slowing, %D the SMA of %K over dPeriod. Like TA-Lib both outputs start together, at index
    /// kPeriod + slowing + dPeriod − 3.
    /// </summary>
    public static void Stochastic(ReadOnlySpan<Bar> bars, int kPeriod, int slowing, int dPeriod, Span<double> k, Span<double> d)
    {
        Validate(bars.Length, kPeriod, k.Length);
        Validate(bars.Length, slowing, d.Length);
        ArgumentOutOfRangeException.ThrowIfLessThan(dPeriod, 1);
        var n = bars.Length;

        // d holds fast %K until %D overwrites it: no scratch buffer needed.
        FillWarmUp(d, kPeriod - 1);
        var window = new RollingHighLow(kPeriod);
        for (var i = kPeriod - 1; i < n; i++)
        {
            window.Advance(bars, i);
            d[i] = RangePosition(bars[i].Close, window.Highest, window.Lowest, 50.0);
        }

        SmaFrom(d, kPeriod - 1, slowing, k);
        SmaFrom(k, kPeriod + slowing - 2, dPeriod, d);
        FillWarmUp(k, kPeriod + slowing + dPeriod - 3);
    }

    /// <summary>Williams %R = −100 (highest high − close) / (highest high − lowest low); first value at index period − 1.</summary>
    public static void WilliamsR(ReadOnlySpan<Bar> bars, int period, Span<double> output)
    {
        Validate(bars.Length, period, output.Length);
        FillWarmUp(output, period - 1);
        var window = new RollingHighLow(period);
        for (var i = period - 1; i < bars.Length; i++)
        {
            window.Advance(bars, i);
            output[i] = RangePosition(bars[i].Close, window.Highest, window.Lowest, 50.0) - 100.0;
        }
    }

    /// <summary>Rate of change in percent: (close / close[period ago] − 1) × 100; 0 when the old close is 0 (TA-Lib).</summary>
    public static void Roc(ReadOnlySpan<double> close, int period, Span<double> output)
    {
        Validate(close.Length, period, output.Length);
        FillWarmUp(output, period);
        for (var i = period; i < close.Length; i++)
        {
            var previous = close[i - period];
            output[i] = previous == 0 ? 0 : ((close[i] / previous) - 1.0) * 100.0;
        }
    }

    /// <summary>Momentum: close − close[period ago]; first value at index period.</summary>
    public static void Momentum(ReadOnlySpan<double> close, int period, Span<double> output)
    {
        Validate(close.Length, period, output.Length);
        FillWarmUp(output, period);
        for (var i = period; i < close.Length; i++)
        {
            output[i] = close[i] - close[i - period];
        }
    }

    /// <summary>
    /// Money Flow Index: typical price × volume counted as positive when the typical price rose, negative when it
    /// fell, summed over period; 100 × positive / (positive + negative). First value at index period.
    /// </summary>
    public static void Mfi(ReadOnlySpan<Bar> bars, int period, Span<double> output)
    {
        Validate(bars.Length, period, output.Length);
        var n = bars.Length;
        FillWarmUp(output, period);

        // Running sums drift by rounding once large flows have left the window; counting the flows in the window
        // keeps "no inflow" exactly 0, so a flat stretch cannot turn the ratio into noise outside 0..100.
        double positive = 0, negative = 0;
        int inflows = 0, outflows = 0;
        for (var i = 1; i < n; i++)
        {
            var (inflow, outflow) = MoneyFlow(bars, i);
            positive += inflow;
            negative += outflow;
            inflows += inflow > 0 ? 1 : 0;
            outflows += outflow > 0 ? 1 : 0;
            if (i > period)
            {
                var (oldIn, oldOut) = MoneyFlow(bars, i - period);
                positive -= oldIn;
                negative -= oldOut;
                inflows -= oldIn > 0 ? 1 : 0;
                outflows -= oldOut > 0 ? 1 : 0;
            }

            if (i >= period)
            {
                output[i] = Ratio100(inflows == 0 ? 0 : positive, outflows == 0 ? 0 : negative);
            }
        }
    }

    /// <summary>
    /// Ultimate Oscillator: buying pressure BP = close − min(low, previous close), true range TR; for each period the
    /// average ΣBP / ΣTR; 100 × (4 A(short) + 2 A(medium) + A(long)) / 7. First value at index longPeriod.
    /// </summary>
    public static void UltimateOscillator(ReadOnlySpan<Bar> bars, int shortPeriod, int mediumPeriod, int longPeriod, Span<double> output)
    {
        Validate(bars.Length, longPeriod, output.Length);
        ArgumentOutOfRangeException.ThrowIfLessThan(shortPeriod, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(mediumPeriod, shortPeriod);
        ArgumentOutOfRangeException.ThrowIfLessThan(longPeriod, mediumPeriod);
        var n = bars.Length;
        FillWarmUp(output, longPeriod);
        Span<Window> windows = [new(shortPeriod), new(mediumPeriod), new(longPeriod)];
        for (var i = 1; i < n; i++)
        {
            var (bp, tr) = BuyingPressure(bars, i);
            foreach (ref var window in windows)
            {
                window.Add(bp, tr);
                if (i > window.Period)
                {
                    var (oldBp, oldTr) = BuyingPressure(bars, i - window.Period);
                    window.Remove(oldBp, oldTr);
                }
            }

            if (i >= longPeriod)
            {
                var weighted = (4 * windows[0].Average) + (2 * windows[1].Average) + windows[2].Average;
                output[i] = 100.0 * weighted / 7.0;
            }
        }
    }

    /// <summary>
    /// MACD as TA-Lib computes it: the fast EMA is seeded with the SMA of the fastPeriod bars that end where the slow
    /// EMA's seed ends, so both start at slowPeriod − 1; the signal is an EMA of the MACD line; histogram = MACD − signal.
    /// All three start at index slowPeriod + signalPeriod − 2.
    /// </summary>
    public static void Macd(ReadOnlySpan<double> close, int fastPeriod, int slowPeriod, int signalPeriod, Span<double> macd, Span<double> signal, Span<double> histogram)
    {
        Validate(close.Length, slowPeriod, macd.Length);
        Validate(close.Length, signalPeriod, signal.Length);
        Validate(close.Length, fastPeriod, histogram.Length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fastPeriod, slowPeriod);
        var n = close.Length;

        // histogram and signal hold the two EMAs until they are overwritten.
        EmaFrom(close, slowPeriod - fastPeriod, fastPeriod, histogram);
        EmaFrom(close, 0, slowPeriod, signal);
        for (var i = 0; i < n; i++)
        {
            macd[i] = histogram[i] - signal[i];
        }

        EmaFrom(macd, slowPeriod - 1, signalPeriod, signal);
        for (var i = 0; i < n; i++)
        {
            histogram[i] = macd[i] - signal[i];
        }

        FillWarmUp(macd, slowPeriod + signalPeriod - 2);
    }

    /// <summary>True range then Wilder's ATR: the first ATR (index period) is the mean of the first period true ranges.</summary>
    public static void Atr(ReadOnlySpan<Bar> bars, int period, Span<double> output)
    {
        Validate(bars.Length, period, output.Length);
        var n = bars.Length;
        FillWarmUp(output, period);
        double atr = 0;
        for (var i = 1; i < n; i++)
        {
            var tr = TrueRange(bars, i);
            if (i < period)
            {
                atr += tr;
            }
            else if (i == period)
            {
                atr = (atr + tr) / period;
                output[i] = atr;
            }
            else
            {
                atr = ((atr * (period - 1)) + tr) / period;
                output[i] = atr;
            }
        }
    }

    /// <summary>
    /// +DI, −DI and ADX with Wilder smoothing as TA-Lib does it: directional movement and true range are summed over
    /// the first period − 1 changes, then smoothed as S = S − S / period + x; DI = 100 × S(DM) / S(TR) from index
    /// period; DX = 100 |+DI − −DI| / (+DI + −DI) (0 without directional movement); the first ADX (index 2 period − 1)
    /// is the mean of the first period DX values, then ADX = (ADX (period − 1) + DX) / period.
    /// </summary>
    public static void Dmi(ReadOnlySpan<Bar> bars, int period, Span<double> plusDi, Span<double> minusDi, Span<double> adx)
    {
        Validate(bars.Length, period, plusDi.Length);
        Validate(bars.Length, period, minusDi.Length);
        Validate(bars.Length, period, adx.Length);
        var n = bars.Length;
        FillWarmUp(plusDi, period);
        FillWarmUp(minusDi, period);
        FillWarmUp(adx, (2 * period) - 1);
        double plusDm = 0, minusDm = 0, tr = 0, dxSum = 0, adxValue = 0;
        for (var i = 1; i < n; i++)
        {
            var (up, down) = DirectionalMovement(bars, i);
            var range = TrueRange(bars, i);
            if (i < period)
            {
                plusDm += up;
                minusDm += down;
                tr += range;
                continue;
            }

            plusDm = plusDm - (plusDm / period) + up;
            minusDm = minusDm - (minusDm / period) + down;
            tr = tr - (tr / period) + range;
            var plus = tr == 0 ? 0 : 100.0 * plusDm / tr;
            var minus = tr == 0 ? 0 : 100.0 * minusDm / tr;
            plusDi[i] = plus;
            minusDi[i] = minus;
            var dx = plus + minus == 0 ? 0 : 100.0 * Math.Abs(plus - minus) / (plus + minus);
            if (i < (2 * period) - 1)
            {
                dxSum += dx;
            }
            else if (i == (2 * period) - 1)
            {
                adxValue = (dxSum + dx) / period;
                adx[i] = adxValue;
            }
            else
            {
                adxValue = ((adxValue * (period - 1)) + dx) / period;
                adx[i] = adxValue;
            }
        }
    }

    /// <summary>
    /// Wilder's Parabolic SAR with TA-Lib's start: the direction at bar 1 is short when bar 1 has positive −DM,
    /// otherwise long; the first SAR is bar 0's low (long) or high (short) and the first extreme point bar 1's high or
    /// low. On a reversal the SAR jumps to the extreme point. First value at index 1.
    /// </summary>
    public static void ParabolicSar(ReadOnlySpan<Bar> bars, double acceleration, double maximum, Span<double> output)
    {
        Validate(bars.Length, 1, output.Length);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(acceleration);
        ArgumentOutOfRangeException.ThrowIfLessThan(maximum, acceleration);
        var n = bars.Length;
        FillWarmUp(output, 1);
        if (n < 2)
        {
            return;
        }

        var (_, firstDown) = DirectionalMovement(bars, 1);
        var isLong = firstDown <= 0;
        var af = acceleration;
        var ep = isLong ? bars[1].High : bars[1].Low;
        var sar = isLong ? bars[0].Low : bars[0].High;
        var newLow = bars[1].Low;
        var newHigh = bars[1].High;
        for (var i = 1; i < n; i++)
        {
            var previousLow = newLow;
            var previousHigh = newHigh;
            newLow = bars[i].Low;
            newHigh = bars[i].High;
            if (isLong)
            {
                if (newLow <= sar)
                {
                    isLong = false;
                    sar = Math.Max(ep, Math.Max(previousHigh, newHigh));
                    output[i] = sar;
                    af = acceleration;
                    ep = newLow;
                    sar += af * (ep - sar);
                    sar = Math.Max(sar, Math.Max(previousHigh, newHigh));
                }
                else
                {
                    output[i] = sar;
                    if (newHigh > ep)
                    {
                        ep = newHigh;
                        af = Math.Min(af + acceleration, maximum);
                    }

                    sar += af * (ep - sar);
                    sar = Math.Min(sar, Math.Min(previousLow, newLow));
                }
            }
            else if (newHigh >= sar)
            {
                isLong = true;
                sar = Math.Min(ep, Math.Min(previousLow, newLow));
                output[i] = sar;
                af = acceleration;
                ep = newHigh;
                sar += af * (ep - sar);
                sar = Math.Min(sar, Math.Min(previousLow, newLow));
            }
            else
            {
                output[i] = sar;
                if (newLow < ep)
                {
                    ep = newLow;
                    af = Math.Min(af + acceleration, maximum);
                }

                sar += af * (ep - sar);
                sar = Math.Max(sar, Math.Max(previousHigh, newHigh));
            }
        }
    }

    /// <summary>
    /// Aroon over the last period + 1 bars: up = 100 (period − bars since the highest high) / period, down likewise
    /// with the lowest low; on ties the most recent bar counts (TA-Lib). First value at index period.
    /// </summary>
    public static void Aroon(ReadOnlySpan<Bar> bars, int period, Span<double> up, Span<double> down)
    {
        Validate(bars.Length, period, up.Length);
        Validate(bars.Length, period, down.Length);
        FillWarmUp(up, period);
        FillWarmUp(down, period);
        var window = new RollingHighLow(period + 1);
        for (var i = period; i < bars.Length; i++)
        {
            window.Advance(bars, i);
            up[i] = 100.0 * (period - (i - window.HighestIndex)) / period;
            down[i] = 100.0 * (period - (i - window.LowestIndex)) / period;
        }
    }

    /// <summary>
    /// TRIX: the one-bar rate of change, in percent, of a triple EMA of the close (each EMA seeded with an SMA).
    /// First value at index 3 (period − 1) + 1. <paramref name="scratch"/> is a working buffer of the input's length.
    /// </summary>
    public static void Trix(ReadOnlySpan<double> close, int period, Span<double> output, Span<double> scratch)
    {
        Validate(close.Length, period, output.Length);
        Validate(close.Length, period, scratch.Length);
        var lookback = 3 * (period - 1);
        EmaFrom(close, 0, period, output);
        EmaFrom(output, period - 1, period, scratch);
        EmaFrom(scratch, 2 * (period - 1), period, output);

        // Backwards, so each step still reads the triple EMA of the bar before it.
        for (var i = close.Length - 1; i > lookback; i--)
        {
            var previous = output[i - 1];
            output[i] = previous == 0 ? 0 : (output[i] - previous) / previous * 100.0;
        }

        FillWarmUp(output, lookback + 1);
    }

    /// <summary>
    /// Bollinger Bands: middle = SMA(period), bands at ± deviations × the population standard deviation of the same
    /// window (TA-Lib). First value at index period − 1.
    /// </summary>
    public static void Bollinger(ReadOnlySpan<double> close, int period, double deviations, Span<double> upper, Span<double> middle, Span<double> lower)
    {
        Validate(close.Length, period, upper.Length);
        Validate(close.Length, period, middle.Length);
        Validate(close.Length, period, lower.Length);
        SmaFrom(close, 0, period, middle);
        FillWarmUp(upper, period - 1);
        FillWarmUp(lower, period - 1);
        for (var i = period - 1; i < close.Length; i++)
        {
            // Two passes over the window: the running sum-of-squares form loses precision at high prices.
            var mean = middle[i];
            double squares = 0;
            for (var j = i - period + 1; j <= i; j++)
            {
                var deviation = close[j] - mean;
                squares += deviation * deviation;
            }

            var width = deviations * Math.Sqrt(squares / period);
            upper[i] = mean + width;
            lower[i] = mean - width;
        }
    }

    /// <summary>
    /// Keltner Channel (not in TA-Lib; the common modern form): middle = EMA(emaPeriod) of the close, bands at
    /// ± multiplier × ATR(atrPeriod). First value where both exist.
    /// </summary>
    public static void Keltner(ReadOnlySpan<Bar> bars, ReadOnlySpan<double> close, int emaPeriod, int atrPeriod, double multiplier, Span<double> upper, Span<double> middle, Span<double> lower)
    {
        Validate(bars.Length, emaPeriod, middle.Length);
        Validate(close.Length, atrPeriod, upper.Length);
        Validate(close.Length, atrPeriod, lower.Length);
        EmaFrom(close, 0, emaPeriod, middle);
        Atr(bars, atrPeriod, upper);
        for (var i = 0; i < close.Length; i++)
        {
            // NaN from either warm-up carries through the arithmetic.
            var width = multiplier * upper[i];
            upper[i] = middle[i] + width;
            lower[i] = middle[i] - width;
            if (double.IsNaN(upper[i]))
            {
                middle[i] = double.NaN;
            }
        }
    }

    /// <summary>On-balance volume as TA-Lib starts it: the first bar's volume, then ± each bar's volume as the close rises or falls.</summary>
    public static void Obv(ReadOnlySpan<Bar> bars, Span<double> output)
    {
        Validate(bars.Length, 1, output.Length);
        if (bars.IsEmpty)
        {
            return;
        }

        var obv = bars[0].Volume;
        output[0] = obv;
        for (var i = 1; i < bars.Length; i++)
        {
            if (bars[i].Close > bars[i - 1].Close)
            {
                obv += bars[i].Volume;
            }
            else if (bars[i].Close < bars[i - 1].Close)
            {
                obv -= bars[i].Volume;
            }

            output[i] = obv;
        }
    }

    /// <summary>
    /// Session VWAP (not in TA-Lib): Σ typical price × volume / Σ volume since the start of the bar's UTC day, the
    /// session crypto venues use. With daily or longer bars every bar is its own session. While the session has no
    /// volume yet the value is the bar's typical price.
    /// </summary>
    public static void Vwap(ReadOnlySpan<Bar> bars, Span<double> output)
    {
        Validate(bars.Length, 1, output.Length);
        double priceVolume = 0, volume = 0;
        var session = long.MinValue;
        for (var i = 0; i < bars.Length; i++)
        {
            var day = bars[i].Time.UtcTicks / TimeSpan.TicksPerDay;
            if (day != session)
            {
                session = day;
                priceVolume = 0;
                volume = 0;
            }

            var typical = bars[i].TypicalPrice;
            priceVolume += typical * bars[i].Volume;
            volume += bars[i].Volume;
            output[i] = volume == 0 ? typical : priceVolume / volume;
        }
    }

    /// <summary>
    /// Commodity Channel Index: (typical price − SMA(typical)) / (0.015 × mean absolute deviation from that SMA);
    /// 0 when the deviation is 0 (TA-Lib). First value at index period − 1.
    /// </summary>
    public static void Cci(ReadOnlySpan<Bar> bars, int period, Span<double> output)
    {
        Validate(bars.Length, period, output.Length);
        FillWarmUp(output, period - 1);
        for (var i = period - 1; i < bars.Length; i++)
        {
            // CCI divides by the deviation, so rounding must not invent one in a flat window: the mean is taken
            // afresh (no running sum) and as an offset from the window's first value, which is exactly 0 when flat.
            var origin = bars[i - period + 1].TypicalPrice;
            double offset = 0;
            for (var j = i - period + 1; j <= i; j++)
            {
                offset += bars[j].TypicalPrice - origin;
            }

            var mean = origin + (offset / period);
            double deviation = 0;
            for (var j = i - period + 1; j <= i; j++)
            {
                deviation += Math.Abs(bars[j].TypicalPrice - mean);
            }

            deviation /= period;
            var distance = bars[i].TypicalPrice - mean;
            output[i] = deviation == 0 || distance == 0 ? 0 : distance / (0.015 * deviation);
        }
    }

    /// <summary>TA-Lib's true range: max(high, previous close) − min(low, previous close); index ≥ 1.</summary>
    public static double TrueRange(ReadOnlySpan<Bar> bars, int index)
    {
        var previousClose = bars[index - 1].Close;
        return Math.Max(bars[index].High, previousClose) - Math.Min(bars[index].Low, previousClose);
    }

    private static void SmaFrom(ReadOnlySpan<double> source, int first, int period, Span<double> output)
    {
        Validate(source.Length, period, output.Length);
        var start = first + period - 1;
        FillWarmUp(output, start);
        double sum = 0;
        for (var i = first; i < source.Length; i++)
        {
            sum += source[i];
            if (i >= first + period)
            {
                sum -= source[i - period];
            }

            if (i >= start)
            {
                output[i] = sum / period;
            }
        }
    }

    // source[first..] must be defined; the seed is the SMA of its first period values.
    private static void EmaFrom(ReadOnlySpan<double> source, int first, int period, Span<double> output)
    {
        Validate(source.Length, period, output.Length);
        var start = first + period - 1;
        FillWarmUp(output, start);
        if (source.Length <= start)
        {
            return;
        }

        double seed = 0;
        for (var i = first; i <= start; i++)
        {
            seed += source[i];
        }

        var ema = seed / period;
        output[start] = ema;
        var k = 2.0 / (period + 1);
        for (var i = start + 1; i < source.Length; i++)
        {
            ema = ((source[i] - ema) * k) + ema;
            output[i] = ema;
        }
    }

    private static void Validate(int inputLength, int period, int outputLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, 1);
        if (outputLength != inputLength)
        {
            throw new ArgumentException($"Output length {outputLength} differs from input length {inputLength}.");
        }
    }

    private static void FillWarmUp(Span<double> output, int count) =>
        output[..Math.Min(count, output.Length)].Fill(double.NaN);

    private static double Ratio100(double part, double other) =>
        part + other == 0 ? 50.0 : 100.0 * part / (part + other);

    private static double RangePosition(double close, double highest, double lowest, double flat) =>
        highest == lowest ? flat : 100.0 * (close - lowest) / (highest - lowest);

    private static (double Inflow, double Outflow) MoneyFlow(ReadOnlySpan<Bar> bars, int index)
    {
        var typical = bars[index].TypicalPrice;
        var previous = bars[index - 1].TypicalPrice;
        var flow = typical * bars[index].Volume;
        return typical > previous ? (flow, 0) : typical < previous ? (0, flow) : (0, 0);
    }

    private static (double BuyingPressure, double TrueRange) BuyingPressure(ReadOnlySpan<Bar> bars, int index)
    {
        var trueLow = Math.Min(bars[index].Low, bars[index - 1].Close);
        return (bars[index].Close - trueLow, TrueRange(bars, index));
    }

    private static (double Up, double Down) DirectionalMovement(ReadOnlySpan<Bar> bars, int index)
    {
        var up = bars[index].High - bars[index - 1].High;
        var down = bars[index - 1].Low - bars[index].Low;
        return (up > 0 && up > down ? up : 0, down > 0 && down > up ? down : 0);
    }

    /// <summary>Running sums of buying pressure and true range over one Ultimate Oscillator period.</summary>
    private struct Window(int period)
    {
        private double _buyingPressure;
        private double _trueRange;
        private int _movingBars;

        public readonly int Period => period;

        // A window without range has nothing to be bought within: it counts as the midpoint. The count, not the
        // drifting sum, decides that; the clamp absorbs rounding, as BP ≤ TR bar by bar.
        public readonly double Average => _movingBars == 0 ? 0.5 : Math.Clamp(_buyingPressure / _trueRange, 0, 1);

        public void Add(double buyingPressure, double trueRange)
        {
            _buyingPressure += buyingPressure;
            _trueRange += trueRange;
            _movingBars += trueRange > 0 ? 1 : 0;
        }

        public void Remove(double buyingPressure, double trueRange)
        {
            _buyingPressure -= buyingPressure;
            _trueRange -= trueRange;
            _movingBars -= trueRange > 0 ? 1 : 0;
        }
    }

    /// <summary>
    /// Highest high and lowest low of a sliding window, rescanning only when the extreme leaves the window:
    /// amortised O(1) per bar, O(window) at worst, no buffer.
    /// </summary>
    private struct RollingHighLow(int length)
    {
        public int HighestIndex { get; private set; } = -1;
        public int LowestIndex { get; private set; } = -1;
        public double Highest { get; private set; }
        public double Lowest { get; private set; }

        public void Advance(ReadOnlySpan<Bar> bars, int index)
        {
            var start = index - length + 1;
            if (HighestIndex < start)
            {
                HighestIndex = start;
                Highest = bars[start].High;
                for (var j = start + 1; j <= index; j++)
                {
                    if (bars[j].High >= Highest)
                    {
                        Highest = bars[j].High;
                        HighestIndex = j;
                    }
                }
            }
            else if (bars[index].High >= Highest)
            {
                Highest = bars[index].High;
                HighestIndex = index;
            }

            if (LowestIndex < start)
            {
                LowestIndex = start;
                Lowest = bars[start].Low;
                for (var j = start + 1; j <= index; j++)
                {
                    if (bars[j].Low <= Lowest)
                    {
                        Lowest = bars[j].Low;
                        LowestIndex = j;
                    }
                }
            }
            else if (bars[index].Low <= Lowest)
            {
                Lowest = bars[index].Low;
                LowestIndex = index;
            }
        }
    }
}
