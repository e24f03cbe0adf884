using Microsoft.Extensions.Options;

namespace Zmarty.Worker.WinRates;

/// <summary>How the win-rate job resolves signals (section <c>WinRate</c>).</summary>
public sealed class WinRateOptions
{
    public const string SectionName = "WinRate";

    /// <summary>Bars after a signal within which its first target or stop must be reached; after that it expired.</summary>
    public int HorizonBars { get; set; } = 24;
}

public sealed class WinRateOptionsValidator : IValidateOptions<WinRateOptions>
{
    public ValidateOptionsResult Validate(string? name, WinRateOptions options) =>
        options.HorizonBars >= 1
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{WinRateOptions.SectionName}:HorizonBars is {options.HorizonBars}; it must be at least 1.");
}
