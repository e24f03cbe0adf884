using Microsoft.Extensions.Options;

namespace Zmarty.Api.Browser;

/// <summary>
/// How browsers reach the Api (section <c>Browser</c>): the web origins allowed to call it (the owner's Netlify site),
/// and the Api's public base URL, which makes links such as <c>audio_url</c> absolute for a page on another origin.
/// </summary>
public sealed class BrowserOptions
{
    public const string SectionName = "Browser";

    /// <summary>
    /// Origins such as <c>https://zmarty.netlify.app</c>, scheme and host (and port) exactly. A blank entry is no origin:
    /// platforms that set variables from a template (compose, Render) pass an unset one as empty.
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];

    public IEnumerable<string> Origins => AllowedOrigins.Where(origin => !string.IsNullOrWhiteSpace(origin));

    /// <summary>
    /// Origins with one <c>*</c> for a number, such as Netlify's deploy previews
    /// (<c>https://deploy-preview-*--zmarty.netlify.app</c>); see <see cref="OriginPattern"/>. Blank entries are none.
    /// </summary>
    public List<string> AllowedOriginPatterns { get; set; } = [];

    public IEnumerable<string> Patterns => AllowedOriginPatterns.Where(pattern => !string.IsNullOrWhiteSpace(pattern));

    /// <summary>In Development, pages on loopback (<c>127.0.0.1</c>, <c>localhost</c>, <c>[::1]</c>, any port) may call too.</summary>
    public bool AllowLoopbackInDevelopment { get; set; } = true;

    /// <summary>
    /// The Api's address as browsers see it (<c>https://api.zmarty.app</c>). Unset, links are made from the request's own
    /// scheme and host, which behind a proxy that rewrites them is the proxy's view, not the browser's.
    /// </summary>
    public Uri? PublicBaseUrl { get; set; }
}

public sealed class BrowserOptionsValidator : IValidateOptions<BrowserOptions>
{
    public ValidateOptionsResult Validate(string? name, BrowserOptions options)
    {
        List<string> failures = [];
        foreach (var origin in options.Origins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
                || uri.PathAndQuery != "/" || origin.EndsWith('/'))
            {
                failures.Add($"Browser:AllowedOrigins: '{origin}' is not an origin (scheme://host[:port], no path, no trailing slash).");
            }
        }

        failures.AddRange(options.Patterns.Select(OriginPattern.Parse).Where(p => p.Problem is not null)
            .Select(p => "Browser:AllowedOriginPatterns: " + p.Problem));

        if (options.PublicBaseUrl is { } url && (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https")))
        {
            failures.Add($"Browser:PublicBaseUrl must be an absolute http(s) URL, got '{url}'.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>The CORS policy for the owner's frontend, and the public base of links.</summary>
public static class BrowserAccess
{
    public const string PolicyName = "browser";

    /// <summary>What a page may read of a response besides the simple headers: the rate limit, the overhead, a retry.</summary>
    private static readonly string[] s_exposed =
        ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After", "X-Zmarty-Overhead-Ms"];

    public static IHostApplicationBuilder AddBrowserAccess(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<BrowserOptions, BrowserOptionsValidator>(BrowserOptions.SectionName);
        var options = builder.Configuration.GetSection(BrowserOptions.SectionName).Get<BrowserOptions>() ?? new BrowserOptions();
        var loopback = options.AllowLoopbackInDevelopment && builder.Environment.IsDevelopment();
        var origins = options.Origins.ToHashSet(StringComparer.OrdinalIgnoreCase);
        // An invalid pattern stops the start (the validator), so here each one parses.
        var patterns = options.Patterns.Select(p => OriginPattern.Parse(p).Pattern).OfType<OriginPattern>().ToList();
        builder.Services.AddCors(cors => cors.AddPolicy(PolicyName, policy => policy
            .SetIsOriginAllowed(origin =>
                origins.Contains(origin) || patterns.Exists(p => p.Matches(origin)) || (loopback && IsLoopback(origin)))
            .WithMethods("GET", "POST", "PUT", "PATCH", "DELETE")
            .WithHeaders("Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID")
            .WithExposedHeaders(s_exposed)
            .SetPreflightMaxAge(TimeSpan.FromHours(1))));
        return builder;
    }

    /// <summary>An Api path made absolute for a browser: on <see cref="BrowserOptions.PublicBaseUrl"/>, else the request's.</summary>
    public static string Absolute(string path, BrowserOptions options, HttpRequest? request)
    {
        var root = options.PublicBaseUrl?.ToString()
            ?? (request is null ? null : $"{request.Scheme}://{request.Host}{request.PathBase}");
        return root is null ? path : root.TrimEnd('/') + path;
    }

    private static bool IsLoopback(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.IsLoopback;
}
