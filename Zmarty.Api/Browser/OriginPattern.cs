using System.Text.RegularExpressions;

namespace Zmarty.Api.Browser;

/// <summary>
/// An allowed origin with one <c>*</c> in its host that stands for a number: the owner's Netlify deploy previews,
/// <c>https://deploy-preview-*--zmarty.netlify.app</c>. A number only, inside one DNS label, so a pattern can never
/// match another site: <c>*</c> cannot stand for a dot, a label or a name someone else could register.
/// </summary>
public sealed class OriginPattern
{
    private readonly Regex _regex;

    private OriginPattern(Regex regex) => _regex = regex;

    public bool Matches(string origin) => _regex.IsMatch(origin);

    /// <summary>The pattern, or why it is refused (as a sentence naming it).</summary>
    public static (OriginPattern? Pattern, string? Problem) Parse(string pattern)
    {
        if (pattern.Count(c => c == '*') != 1)
        {
            return (null, $"'{pattern}' must hold exactly one '*'.");
        }

        if (!Uri.TryCreate(pattern.Replace("*", "0", StringComparison.Ordinal), UriKind.Absolute, out var uri)
            || uri.Scheme is not ("http" or "https") || uri.PathAndQuery != "/" || pattern.EndsWith('/'))
        {
            return (null, $"'{pattern}' is not an origin (scheme://host[:port], no path, no trailing slash).");
        }

        var authority = pattern[(uri.Scheme.Length + 3)..];
        var labels = authority.Split(':')[0].Split('.');
        var starred = Array.FindIndex(labels, label => label.Contains('*', StringComparison.Ordinal));
        // Left of the last two labels (netlify.app), and between fixed text, so that it stands inside a name
        // the owner's site gives (deploy-preview-*--zmarty) and never for a whole name someone else could register.
        if (starred < 0 || starred > labels.Length - 3 || labels[starred].StartsWith('*') || labels[starred].EndsWith('*'))
        {
            return (null, $"'{pattern}': the '*' must be in the host, left of its last two labels, with fixed text on both "
                + "sides (https://deploy-preview-*--site.netlify.app).");
        }

        var expression = "^" + Regex.Escape(pattern).Replace(@"\*", "[0-9]+", StringComparison.Ordinal) + "$";
        return (new OriginPattern(new Regex(expression, RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)), null);
    }
}
