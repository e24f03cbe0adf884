using System.Globalization;
using Microsoft.AspNetCore.DataProtection;

namespace Zmarty.AdminUi.Auth;

/// <summary>
/// Device cookies (OWASP's defence against login lockout abuse): a browser that logged in with the
/// right password gets a signed, encrypted cookie naming a random device id. A later login from it is
/// throttled by that id alone, so an attacker's wrong passwords, from the same proxy address or from
/// many, do not lock the operator out. The cookie proves only that this browser once knew the
/// password; the password is still asked for.
/// </summary>
public sealed class TrustedDevices(IDataProtectionProvider protection, TimeProvider time)
{
    public const string CookieName = "zmarty-admin-device";
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(90);

    private readonly IDataProtector _protector = protection.CreateProtector("Zmarty.AdminUi.TrustedDevice.v1");

    /// <summary>The throttle key of a trusted device, or null when the request carries no valid cookie.</summary>
    public string? Identify(HttpContext http)
    {
        if (http.Request.Cookies[CookieName] is not { Length: > 0 } cookie)
        {
            return null;
        }

        try
        {
            var parts = _protector.Unprotect(cookie).Split('|');
            return parts.Length == 2
                && Guid.TryParse(parts[0], out var device)
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var issued)
                && time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(issued) < Lifetime
                ? $"device:{device:N}"
                : null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // Forged, or made with keys this instance no longer has: an ordinary client then.
            return null;
        }
    }

    /// <summary>Marks the browser of a successful login as trusted (a new cookie, a new lifetime).</summary>
    public void Remember(HttpContext http)
    {
        var payload = string.Create(CultureInfo.InvariantCulture, $"{Guid.NewGuid():N}|{time.GetUtcNow().ToUnixTimeSeconds()}");
        http.Response.Cookies.Append(CookieName, _protector.Protect(payload), new CookieOptions
        {
            HttpOnly = true,
            Secure = true,
            SameSite = SameSiteMode.Strict,
            Path = "/login",
            MaxAge = Lifetime,
            IsEssential = true,
        });
    }
}
