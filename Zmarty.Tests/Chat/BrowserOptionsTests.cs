using Zmarty.Api.Browser;

namespace Zmarty.Tests.Chat;

/// <summary>Browser settings as platforms pass them: a compose file or a blueprint sets an unset variable to "".</summary>
public sealed class BrowserOptionsTests
{
    [Fact]
    public void A_blank_origin_is_no_origin_and_no_error()
    {
        var options = new BrowserOptions { AllowedOrigins = ["", "  ", "https://zmarty.netlify.app"] };

        Assert.True(new BrowserOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal(["https://zmarty.netlify.app"], options.Origins);
    }

    [Theory]
    [InlineData("https://zmarty.netlify.app/")]
    [InlineData("zmarty.netlify.app")]
    [InlineData("ftp://zmarty.netlify.app")]
    public void An_origin_that_is_not_scheme_and_host_is_refused_with_its_value(string origin)
    {
        var result = new BrowserOptionsValidator().Validate(null, new BrowserOptions { AllowedOrigins = [origin] });

        Assert.True(result.Failed);
        Assert.Contains($"'{origin}'", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_deploy_preview_pattern_matches_the_site_s_previews_and_nothing_else()
    {
        var (pattern, problem) = OriginPattern.Parse("https://deploy-preview-*--zmarty.netlify.app");

        Assert.Null(problem);
        Assert.True(pattern!.Matches("https://deploy-preview-42--zmarty.netlify.app"));
        Assert.True(pattern.Matches("https://DEPLOY-PREVIEW-7--zmarty.netlify.app"));
        Assert.All(new[]
        {
            "https://deploy-preview---zmarty.netlify.app",
            "https://deploy-preview-4x--zmarty.netlify.app",
            "https://deploy-preview-1.evil--zmarty.netlify.app",
            "https://deploy-preview-1--zmarty.netlify.app.evil.com",
            "https://deploy-preview-1--zmarty-evil.netlify.app",
            "http://deploy-preview-1--zmarty.netlify.app",
            "https://deploy-preview-1--zmarty.netlify.app:8443",
            "https://zmarty.netlify.app",
        }, origin => Assert.False(pattern.Matches(origin), origin));
    }

    [Theory]
    [InlineData("https://*.netlify.app", "left of its last two labels")]
    [InlineData("https://zmarty.*.app", "left of its last two labels")]
    [InlineData("https://x*.netlify.app", "fixed text on both sides")]
    [InlineData("https://*--zmarty.netlify.app", "fixed text on both sides")]
    [InlineData("https://deploy-preview-*--*.netlify.app", "exactly one '*'")]
    [InlineData("https://deploy-preview-*--zmarty.netlify.app/", "is not an origin")]
    [InlineData("https://zmarty.netlify.app", "exactly one '*'")]
    public void A_pattern_that_could_match_another_site_is_refused_saying_why(string pattern, string why)
    {
        var result = new BrowserOptionsValidator().Validate(null, new BrowserOptions { AllowedOriginPatterns = ["", pattern] });

        Assert.True(result.Failed);
        Assert.Contains("Browser:AllowedOriginPatterns: '" + pattern + "'", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains(why, result.FailureMessage, StringComparison.Ordinal);
    }
}
