using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Zmarty.Webhooks;

/// <summary>
/// The Standard Webhooks signature (docs/domain.md §7), shared by the relay that signs and the receiver
/// that verifies: <c>v1,</c> + base64 HMAC-SHA256 of <c>{webhook-id}.{webhook-timestamp}.{body}</c>
/// under the key that follows <c>whsec_</c> in the secret.
/// </summary>
public static class StandardWebhooks
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";

    /// <summary>What a secret must look like, for configuration errors.</summary>
    public const string SecretFormat = "whsec_ followed by the base64 of at least 24 random bytes";

    private const string SecretPrefix = "whsec_";
    private const string VersionPrefix = "v1,";

    /// <summary>The signing key of a <c>whsec_</c> secret; false when it is not base64 of at least 24 bytes.</summary>
    public static bool TryParseSecret(string? secret, out byte[] key)
    {
        key = [];
        if (string.IsNullOrWhiteSpace(secret))
        {
            return false;
        }

        var encoded = secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret;
        var buffer = new byte[Base64.GetMaxDecodedFromUtf8Length(encoded.Length)];
        if (!Convert.TryFromBase64String(encoded, buffer, out var written) || written < 24)
        {
            return false;
        }

        key = buffer[..written];
        return true;
    }

    /// <summary>The raw HMAC of one message (what <c>v1,</c> carries in base64).</summary>
    public static byte[] Hmac(byte[] key, string id, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{id}.{timestamp}."));
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(prefix);
        hmac.AppendData(body);
        return hmac.GetHashAndReset();
    }

    /// <summary>The <c>webhook-signature</c> header value for one message.</summary>
    public static string Sign(byte[] key, string id, long timestamp, ReadOnlySpan<byte> body) =>
        VersionPrefix + Convert.ToBase64String(Hmac(key, id, timestamp, body));

    /// <summary>
    /// True when one of the space-separated <c>v1,</c> signatures in <paramref name="header"/> is the
    /// HMAC of the message under one of <paramref name="keys"/>. Every candidate is compared in
    /// constant time, so the answer's timing says nothing about how close a forged signature came.
    /// </summary>
    public static bool Verify(IEnumerable<byte[]> keys, string id, long timestamp, ReadOnlySpan<byte> body, string header)
    {
        var expected = new List<byte[]>();
        foreach (var key in keys)
        {
            expected.Add(Hmac(key, id, timestamp, body));
        }

        var valid = false;
        foreach (var candidate in header.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!candidate.StartsWith(VersionPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var signature = new byte[32];
            if (!Convert.TryFromBase64String(candidate[VersionPrefix.Length..], signature, out var written) || written != signature.Length)
            {
                continue;
            }

            foreach (var hmac in expected)
            {
                valid |= CryptographicOperations.FixedTimeEquals(hmac, signature);
            }
        }

        return valid;
    }
}
