using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Zmarty.Trading.Signals;

/// <summary>
/// Names the options a result was computed with, for the <c>strategy_version</c> columns: signals and win rates
/// computed with different options must not be mixed.
/// </summary>
public static class StrategyVersion
{
    /// <summary>The prefix, raised by hand when the scoring rules themselves change.</summary>
    public const string Prefix = "v1";

    /// <summary>
    /// <see cref="Prefix"/>, "-", and the first 8 hex digits of SHA-256 over "Name=value;" for every public settable
    /// property, sorted by name, values in invariant round-trip form. Reflection rather than a hand-kept list, so a
    /// new option cannot be forgotten.
    /// </summary>
    public static string Of(object options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var canonical = new StringBuilder();
        foreach (var property in options.GetType()
                     .GetProperties(BindingFlags.Public | BindingFlags.Instance)
                     .Where(p => p.CanWrite)
                     .OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            var value = property.GetValue(options);
            var text = value switch
            {
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value?.ToString() ?? "null",
            };
            canonical.Append(property.Name).Append('=').Append(text).Append(';');
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString()));
        return $"{Prefix}-{Convert.ToHexStringLower(hash.AsSpan(0, 4))}";
    }
}
