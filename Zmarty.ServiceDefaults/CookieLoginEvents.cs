using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>How the Blazor apps (AdminUi, Dashboard) send a request without their login cookie away.</summary>
public static class CookieLoginEvents
{
    /// <summary>
    /// A page a person opens goes to the login; anything else (the Blazor circuit that carries every
    /// action, a fetch, the query API) gets a bare 401, not the login page's HTML.
    /// </summary>
    public static Task RedirectPagesOnly(RedirectContext<CookieAuthenticationOptions> context)
    {
        if (HttpMethods.IsGet(context.Request.Method)
            && context.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.Ordinal))
        {
            context.Response.Redirect(context.RedirectUri);
        }
        else
        {
            // Not the not-found page re-executed under this request's method.
            context.HttpContext.Features.Get<IStatusCodePagesFeature>()?.Enabled = false;
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        }

        return Task.CompletedTask;
    }
}
