using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Zmarty.Dashboard.Auth;

/// <summary>
/// The login of Aspire's dashboard: the AppHost prints a link carrying a token; opening it sets a
/// cookie. Here the token works once, so a link copied from a terminal's scrollback later is useless.
/// Every page and the query API need the cookie; the OTLP receivers (loopback only) and the health
/// endpoints do not.
/// </summary>
internal static class BrowserLogin
{
    private const string CookieName = "zmarty-dashboard";

    public static void AddBrowserLogin(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<BrowserToken>();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(cookie =>
        {
            cookie.LoginPath = "/login";
            cookie.Cookie.Name = CookieName;
            cookie.Cookie.HttpOnly = true;
            // The dashboard is served over plain http on loopback, as Aspire's is in development.
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Events.OnRedirectToLogin = CookieLoginEvents.RedirectPagesOnly;
        });
        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
    }

    public static void MapBrowserLogin(this WebApplication app)
    {
        app.MapGet("/login", async (HttpContext context, BrowserToken token, string? t) =>
        {
            if (t is null || !token.TryRedeem(t))
            {
                return Results.Content(LoginHelp(t is not null), "text/html; charset=utf-8", Encoding.UTF8, StatusCodes.Status401Unauthorized);
            }

            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "developer")], CookieAuthenticationDefaults.AuthenticationScheme);
            await context.SignInAsync(new ClaimsPrincipal(identity));
            return Results.Redirect("/");
        }).AllowAnonymous();
    }

    private static string LoginHelp(bool tokenGiven) => $$"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Zmarty dashboard: log in</title>
        <style>body { font-family: "Segoe UI", sans-serif; margin: 3rem; max-width: 40rem; color: #242424; }</style></head>
        <body>
        <h1>Zmarty developer dashboard</h1>
        <p>{{(tokenGiven ? "This login link has been used already, or belongs to an earlier run." : "Open the login link to sign in.")}}</p>
        <p><code>./zmarty up</code> prints a login link (<code>/login?t=…</code>) beside the dashboard's URL when it starts.
        Each link works once; restart the AppHost for a new one.</p>
        </body></html>
        """;

    /// <summary>The token from <c>Dashboard:BrowserToken</c>, accepted once.</summary>
    internal sealed class BrowserToken(IOptions<DashboardOptions> options)
    {
        private readonly byte[] _expected = Encoding.UTF8.GetBytes(options.Value.BrowserToken);
        private int _redeemed;

        public bool TryRedeem(string token) =>
            CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), _expected)
            && Interlocked.Exchange(ref _redeemed, 1) == 0;
    }
}
