using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components;
using Zmarty.AdminUi.Auth;

namespace Zmarty.AdminUi.Components.Pages.Login;

/// <summary>
/// The password form, rendered on the server without a circuit: a wrong password answers 401, a
/// throttled client 429 with Retry-After, a right one sets the cookie and goes back to the page asked for.
/// </summary>
public sealed partial class Login
{
    private string? _message;

    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromForm]
    public string? Password { get; set; }

    [SupplyParameterFromQuery]
    public string? ReturnUrl { get; set; }

    [Inject]
    public required AdminPassword AdminPassword { get; init; }

    [Inject]
    public required LoginThrottle Throttle { get; init; }

    [Inject]
    public required TrustedDevices TrustedDevices { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required ILogger<Login> Logger { get; init; }

    private async Task LogInAsync()
    {
        // Behind a configured proxy the address is the forwarded one (Admin:KnownProxies, UseForwardedHeaders).
        var device = TrustedDevices.Identify(HttpContext);
        var trusted = device is not null;
        var client = device ?? HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (Throttle.RetryAfter(client, trusted) is { } wait)
        {
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            HttpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            _message = $"Too many wrong passwords. Try again in {seconds} s.";
            LogThrottled(Logger, client, seconds);
            return;
        }

        if (!AdminPassword.Matches(Password))
        {
            Throttle.Failed(client, trusted);
            HttpContext.Response.StatusCode = StatusCodes.Status401Unauthorized;
            _message = "Wrong password.";
            LogWrongPassword(Logger, client);
            return;
        }

        Throttle.Succeeded(client);
        TrustedDevices.Remember(HttpContext);
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "admin"), new Claim(AdminPassword.StampClaim, AdminPassword.Stamp)],
            CookieAuthenticationDefaults.AuthenticationScheme);
        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
        Navigation.NavigateTo(LocalReturnUrl(ReturnUrl), forceLoad: true);
    }

    /// <summary>Only a path on this site: an absolute or protocol-relative URL would make the login an open redirect.</summary>
    internal static string LocalReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url[0] == '/' && !url.StartsWith("//", StringComparison.Ordinal)
            && !url.StartsWith("/\\", StringComparison.Ordinal)
            ? url
            : "/queues";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Wrong admin password from {Client}")]
    private static partial void LogWrongPassword(ILogger logger, string client);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Admin login from {Client} refused for {RetryAfterSeconds} s after repeated wrong passwords")]
    private static partial void LogThrottled(ILogger logger, string client, int retryAfterSeconds);
}
