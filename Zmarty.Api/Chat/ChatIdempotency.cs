using System.Security.Cryptography;

namespace Zmarty.Api.Chat;

/// <summary>
/// Idempotency-Key for <c>POST /chat</c>, kept in A (<c>chat_requests</c>): the first request with a
/// key runs; a retry with the same key and body gets the stored result without a second charge; a
/// request that failed without a charge can be retried; the same key with another body is refused.
/// <see cref="ChatLedger"/> claims, completes and fails the keys.
/// </summary>
public static class ChatIdempotency
{
    public const int MaxKeyLength = 100;

    public static string Hash(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body));
}

/// <summary>
/// One run of a request with an Idempotency-Key. <paramref name="RunId"/> is new for every request
/// and prefixes its credit request ids (<c>chat:{user}:{key}:{run}</c>), so only this run can complete
/// or fail the key, and its holds can be freed even when A's answer to the claim was lost.
/// </summary>
public sealed record ChatKey(string Key, string BodyHash, string RunId);
