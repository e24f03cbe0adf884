namespace Zmarty.Trading.Indicators;

/// <summary>The default periods of docs/domain.md §4, the ones <see cref="IndicatorSeries.Compute"/> uses.</summary>
public static class IndicatorPeriods
{
    public const int Rsi = 14;
    public const int StochasticK = 14;
    public const int StochasticSlowing = 3;
    public const int StochasticD = 3;
    public const int WilliamsR = 14;
    public const int Roc = 10;
    public const int Mfi = 14;
    public const int UltimateShort = 7;
    public const int UltimateMedium = 14;
    public const int UltimateLong = 28;
    public const int MacdFast = 12;
    public const int MacdSlow = 26;
    public const int MacdSignal = 9;
    public const int EmaFastest = 9;
    public const int EmaFast = 21;
    public const int EmaSlow = 50;
    public const int EmaSlowest = 200;
    public const int SmaFast = 20;
    public const int SmaSlow = 50;
    public const int Dmi = 14;
    public const double SarAcceleration = 0.02;
    public const double SarMaximum = 0.2;
    public const int Aroon = 25;
    public const int Trix = 15;
    public const int Bollinger = 20;
    public const double BollingerDeviations = 2.0;
    public const int Atr = 14;
    public const int KeltnerEma = 20;
    public const int KeltnerAtr = 10;
    public const double KeltnerMultiplier = 2.0;
    public const int Cci = 20;
    public const int Momentum = 10;
}
