using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Zmarty.AdminUi.Auth;

/// <summary>Checks a password against the configured one in constant time, and stamps sessions with it.</summary>
public sealed class AdminPassword(IOptions<AdminOptions> options)
{
    /// <summary>The claim that ties a session cookie to the password it was opened with.</summary>
    public const string StampClaim = "zmarty:password-stamp";

    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.Password));

    public bool Matches(string? candidate) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(candidate ?? "")), _expected);

    /// <summary>
    /// Derived from the password, never revealing it: a new password changes it, so every session
    /// opened with the old one is refused at its next request.
    /// </summary>
    public string Stamp { get; } = Convert.ToHexString(
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(options.Value.Password), "zmarty-admin-session"u8))[..16];
}
