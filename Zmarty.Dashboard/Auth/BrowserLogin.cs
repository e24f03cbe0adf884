namespace Zmarty.Dashboard.Auth;

// SKELETON (helper "resources" replaces this): one-time token login (/login?t=...), cookie, fallback policy.
internal static class BrowserLogin
{
    public static void AddBrowserLogin(this WebApplicationBuilder builder)
    {
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddAuthorization();
    }

    public static void MapBrowserLogin(this WebApplication app)
    {
    }
}
