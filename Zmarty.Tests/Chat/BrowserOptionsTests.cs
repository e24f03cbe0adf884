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
}
