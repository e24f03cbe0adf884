using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;

namespace Zmarty.Trading;

/// <summary>
/// Collects what is wrong with one options object. Every failure starts with the configuration key it is about
/// (<c>Trading:Signals:ClusterRange</c>), so the person reading a failed start knows which setting to change.
/// </summary>
/// <remarks>
/// The property is taken from the expression the caller passes (<c>options.ClusterRange</c> gives
/// <c>ClusterRange</c>), so a rule names its property once.
/// </remarks>
internal sealed class OptionsCheck(string section)
{
    private readonly List<string> _failures = [];

    public ValidateOptionsResult Result => _failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(_failures);

    /// <summary>Records a failure for <paramref name="property"/> unless <paramref name="valid"/>.</summary>
    public void That(bool valid, string property, FormattableString problem)
    {
        if (!valid)
        {
            _failures.Add($"{Key(property)} {problem.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    public void Above(double value, double minimum, [CallerArgumentExpression(nameof(value))] string expression = "") =>
        That(value > minimum, Property(expression), $"is {value}; it must be above {minimum}.");

    public void AtLeast(double value, double minimum, [CallerArgumentExpression(nameof(value))] string expression = "") =>
        That(value >= minimum, Property(expression), $"is {value}; it must be at least {minimum}.");

    public void Below(double value, double maximum, [CallerArgumentExpression(nameof(value))] string expression = "") =>
        That(value < maximum, Property(expression), $"is {value}; it must be below {maximum}.");

    public void Within(double value, double minimum, double maximum, [CallerArgumentExpression(nameof(value))] string expression = "") =>
        That(value >= minimum && value <= maximum, Property(expression), $"is {value}; it must be from {minimum} to {maximum}.");

    /// <summary>A share of the account in percent: above 0, at most 100.</summary>
    public void Percent(double value, [CallerArgumentExpression(nameof(value))] string expression = "") =>
        That(value > 0 && value <= 100, Property(expression), $"is {value}; it must be above 0 and at most 100.");

    /// <summary>
    /// Every <see cref="double"/> property must be finite, and every one whose name ends in <c>Weight</c> must not be
    /// negative: families of options too long to list rule by rule, and a new member cannot be forgotten.
    /// </summary>
    public void NumbersAreFiniteAndWeightsNotNegative(object options)
    {
        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.PropertyType != typeof(double) || !property.CanWrite)
            {
                continue;
            }

            var value = (double)property.GetValue(options)!;
            That(double.IsFinite(value), property.Name, $"is {value}; it must be a finite number.");
            if (property.Name.EndsWith("Weight", StringComparison.Ordinal))
            {
                // Written so that NaN, already reported, is not reported twice.
                That(!(value < 0), property.Name, $"is {value}; a weight cannot be negative (0 leaves the input out).");
            }
        }
    }

    /// <summary>The configuration key of <paramref name="property"/>, as a failure message names it.</summary>
    public string Key(string property) => $"{section}:{property}";

    private static string Property(string expression) => expression[(expression.LastIndexOf('.') + 1)..];
}
