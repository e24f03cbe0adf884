using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Zmarty.AdminUi.Auth;

/// <summary>Checks a password against the configured one in constant time.</summary>
public sealed class AdminPassword(IOptions<AdminOptions> options)
{
    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.Password));

    public bool Matches(string? candidate) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(candidate ?? "")), _expected);
}
