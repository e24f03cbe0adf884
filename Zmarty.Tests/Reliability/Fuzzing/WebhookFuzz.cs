using System.Globalization;
using System.Text;
using Zmarty.Webhooks;

namespace Zmarty.Tests.Reliability.Fuzzing;

/// <summary>
/// Requests to a receiver of signed webhooks. Unsigned or badly signed ones (no headers, junk signatures, a signature
/// under another key or of another body, timestamps that are no time or outside the window, bodies that trickle in) must
/// be refused with a 4xx and write nothing; hostile bodies with a valid signature must get no server error.
/// </summary>
internal sealed class WebhookFuzz(ExampleRequests examples, string secret)
{
    private const string Kind = "signature";

    /// <summary>How many bodies trickle in, and over how long: past the receiver's one-second budget, well inside 15 s.</summary>
    public const int SlowBodies = 12;

    public static readonly TimeSpan TrickleFor = TimeSpan.FromSeconds(3);

    private readonly byte[] _key = StandardWebhooks.TryParseSecret(secret, out var key) ? key : throw new ArgumentException(
        "The webhook secret is not a Standard Webhooks secret.", nameof(secret));

    private readonly byte[] _otherKey = Encoding.UTF8.GetBytes("a key that is not the receiver's");

    public IEnumerable<FuzzCase> Unsigned(ApiOperation operation)
    {
        var example = Encoding.UTF8.GetBytes(examples.Bodies(operation)[0].ToJsonString());
        var bodies = new (string Detail, byte[] Bytes)[]
        {
            ("a valid delivery", example),
            ("{", "{"u8.ToArray()),
            ("a 20,000-deep array", Encoding.UTF8.GetBytes(new string('[', 20_000) + new string(']', 20_000))),
            ("a 2 MB body", new byte[2 * 1024 * 1024]),
        };
        foreach (var (bodyDetail, body) in bodies)
        {
            foreach (var (detail, headers) in BadSignatures(body, example))
            {
                yield return Case(operation, $"{detail}; {bodyDetail}", new FuzzBody(body, "application/json")) with { Headers = headers };
            }
        }

        for (var i = 0; i < SlowBodies; i++)
        {
            // Half carry no signature headers (refused before the body is read), half a junk one (refused after it).
            var headers = i % 2 == 0 ? [] : BadSignatures(example, example).First(s => s.Detail == "a junk v1 signature").Headers;
            var detail = i % 2 == 0 ? "no headers" : "a junk v1 signature";
            yield return Case(operation, $"{detail}; a valid delivery trickling in over {TrickleFor.TotalSeconds:0} s",
                new FuzzBody(example, "application/json", Slow: true)) with { Headers = headers };
        }
    }

    /// <summary><paramref name="request"/> signed as the relay signs, now: the body alone is hostile.</summary>
    public FuzzCase Signed(FuzzCase request)
    {
        var (id, timestamp) = ($"msg_{Guid.NewGuid():N}", DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var body = request.Body?.Bytes ?? [];
        return request with
        {
            Authorization = null,
            Headers = Headers(id, timestamp.ToString(CultureInfo.InvariantCulture), StandardWebhooks.Sign(_key, id, timestamp, body)),
        };
    }

    private IEnumerable<(string Detail, IReadOnlyList<KeyValuePair<string, string>> Headers)> BadSignatures(byte[] body, byte[] other)
    {
        var id = $"msg_{Guid.NewGuid():N}";
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var at = now.ToString(CultureInfo.InvariantCulture);
        var valid = StandardWebhooks.Sign(_key, id, now, body);
        yield return ("no headers", []);
        yield return ("an id alone", [new(StandardWebhooks.IdHeader, id)]);
        yield return ("no signature", [new(StandardWebhooks.IdHeader, id), new(StandardWebhooks.TimestampHeader, at)]);
        yield return ("a junk v1 signature", Headers(id, at, "v1,AAAA"));
        yield return ("an empty v1 signature", Headers(id, at, "v1,"));
        yield return ("a v2 signature", Headers(id, at, "v2," + valid[3..]));
        yield return ("100 junk signatures", Headers(id, at, string.Join(' ', Enumerable.Repeat("v1,Zm96eg==", 100))));
        yield return ("a signature under another key", Headers(id, at, StandardWebhooks.Sign(_otherKey, id, now, body)));
        yield return ("the signature of another body", Headers(id, at, StandardWebhooks.Sign(_key, id, now, [.. other, (byte)' '])));
        yield return ("the signature of another id", Headers(id + "x", at, valid));
        yield return ("an 8 KB id", Headers(new string('i', 8 * 1024), at, valid));
        var badTimes = new[] { ("no number", "abc"), ("-1", "-1"), ("1e400", "1e400"), ("30 digits", "123456789012345678901234567890") };
        foreach (var (detail, text) in badTimes)
        {
            yield return ($"a timestamp that is {detail}", Headers(id, text, valid));
        }

        foreach (var hours in new[] { -1, 1 })
        {
            var then = now + (hours * 3600);
            yield return ($"a valid signature {(hours < 0 ? "an hour old" : "an hour ahead")}",
                Headers(id, then.ToString(CultureInfo.InvariantCulture), StandardWebhooks.Sign(_key, id, then, body)));
        }
    }

    private static FuzzCase Case(ApiOperation operation, string detail, FuzzBody body) =>
        new(operation, Kind, detail, operation.Method, operation.Path, body, null, FuzzExpectation.Refused);

    private static List<KeyValuePair<string, string>> Headers(string id, string timestamp, string signature) =>
    [
        new(StandardWebhooks.IdHeader, id),
        new(StandardWebhooks.TimestampHeader, timestamp),
        new(StandardWebhooks.SignatureHeader, signature),
    ];
}
