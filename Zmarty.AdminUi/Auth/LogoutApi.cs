using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Zmarty.AdminUi.Auth;

internal static class LogoutApi
{
    /// <summary><c>POST /logout</c> (a form with the antiforgery token): ends the login and goes to the login page.</summary>
    public static IEndpointRouteBuilder MapLogout(this IEndpointRouteBuilder app)
    {
        app.MapPost("/logout", async (HttpContext context) =>
        {
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return TypedResults.LocalRedirect("/login");
        });
        return app;
    }
}
