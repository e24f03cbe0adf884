using Microsoft.Extensions.Options;

namespace Zmarty.Trading;

/// <summary>
/// Validates one configuration section's options: every number finite and every weight non-negative, then the
/// rules of the options type. The host runs it at start (<c>ValidateOnStart</c>); the type the options are for runs
/// the same rules through <see cref="ThrowIfInvalid"/> when it is constructed directly.
/// </summary>
public abstract class SectionValidator<TOptions>(string section) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var check = new OptionsCheck(section);
        check.NumbersAreFiniteAndWeightsNotNegative(options);
        Check(options, check);
        return check.Result;
    }

    /// <exception cref="OptionsValidationException">The options break a rule.</exception>
    public void ThrowIfInvalid(TOptions options)
    {
        var result = Validate(Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(TOptions), result.Failures);
        }
    }

    /// <summary>The rules particular to <typeparamref name="TOptions"/>.</summary>
    private protected abstract void Check(TOptions options, OptionsCheck check);
}
