namespace Zmarty.Trading.Risk;

/// <summary>Which way a risk level leans (docs/domain.md §4).</summary>
public enum RiskLeaning
{
    Long,
    Neutral,
    Short,
}

/// <summary>The seven risk bands of docs/domain.md §4, lowest risk first.</summary>
public enum RiskBand
{
    /// <summary>Below 0.15.</summary>
    VeryLow,

    /// <summary>0.15 to below 0.25.</summary>
    Low,

    /// <summary>0.25 to below 0.35.</summary>
    ModeratelyLow,

    /// <summary>0.35 to 0.65 inclusive.</summary>
    Neutral,

    /// <summary>Above 0.65 to 0.75 inclusive.</summary>
    ModeratelyHigh,

    /// <summary>Above 0.75 to 0.85 inclusive.</summary>
    High,

    /// <summary>Above 0.85.</summary>
    VeryHigh,
}

/// <summary>Classifies a risk level into its band and leaning.</summary>
public static class RiskBands
{
    /// <summary>
    /// The band of <paramref name="risk"/>. The neutral band is closed at both ends (0.35 and 0.65 are neutral), so a
    /// boundary value never leans.
    /// </summary>
    public static RiskBand Classify(double risk) => risk switch
    {
        < 0.15 => RiskBand.VeryLow,
        < 0.25 => RiskBand.Low,
        < 0.35 => RiskBand.ModeratelyLow,
        <= 0.65 => RiskBand.Neutral,
        <= 0.75 => RiskBand.ModeratelyHigh,
        <= 0.85 => RiskBand.High,
        _ => RiskBand.VeryHigh,
    };

    /// <summary>Long for the three low bands, short for the three high ones.</summary>
    public static RiskLeaning Leaning(this RiskBand band) => band switch
    {
        RiskBand.VeryLow or RiskBand.Low or RiskBand.ModeratelyLow => RiskLeaning.Long,
        RiskBand.Neutral => RiskLeaning.Neutral,
        _ => RiskLeaning.Short,
    };
}
