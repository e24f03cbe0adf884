using System.Text;

namespace Zmarty.Tests.Reliability.Fuzzing;

/// <summary>An input meant to break a parser or a handler: its cause (the report groups by it), what it is, and its bytes.</summary>
internal sealed record Hostile(string Kind, string Detail, byte[] Bytes)
{
    public Hostile(string kind, string detail, string text)
        : this(kind, detail, Encoding.UTF8.GetBytes(text))
    {
    }
}

/// <summary>
/// The catalogue of hostile inputs: JSON values put where a body's property goes, whole bodies, content types, and the
/// text of path and query values. Fixed lists, so a run sends the same requests every time.
/// </summary>
internal static class HostileValues
{
    public const string WrongType = "wrong type";
    public const string HugeNumber = "huge number";
    public const string Nul = "NUL";
    public const string LoneSurrogate = "lone surrogate";
    public const string InvalidUtf8 = "invalid UTF-8";
    public const string HugeString = "huge string";
    public const string DeepNesting = "deep nesting";
    public const string InvalidJson = "invalid JSON";
    public const string BareValue = "bare value";
    public const string OddText = "odd text";

    private const int Deep = 20_000;

    /// <summary>What goes in place of one property of a valid body (the rest of the body stays valid).</summary>
    public static IReadOnlyList<Hostile> JsonValues { get; } =
    [
        new(WrongType, "the string \"-1\"", "\"-1\""),
        new(WrongType, "-1", "-1"),
        new(WrongType, "0", "0"),
        new(WrongType, "1.5", "1.5"),
        new(WrongType, "true", "true"),
        new(WrongType, "false", "false"),
        new(WrongType, "null", "null"),
        new(WrongType, "[]", "[]"),
        new(WrongType, "[null]", "[null]"),
        new(WrongType, "{}", "{}"),
        new(WrongType, "{\"\": null}", "{\"\":null}"),
        new(WrongType, "an empty string", "\"\""),
        new(WrongType, "blanks", "\"   \""),
        new(HugeNumber, "1e400", "1e400"),
        new(HugeNumber, "-1e400", "-1e400"),
        new(HugeNumber, "1e-400", "1e-400"),
        new(HugeNumber, "2^64", "18446744073709551616"),
        new(HugeNumber, "[1e400]", "[1e400]"),
        new(Nul, "a lone \\u0000", "\"\\u0000\""),
        new(Nul, "\\u0000 inside text", "\"BTC\\u0000/USDT\""),
        new(Nul, "an overlong UTF-8 NUL (C0 80)", [(byte)'"', 0xC0, 0x80, (byte)'"']),
        new(LoneSurrogate, "\\ud800 alone", "\"\\ud800\""),
        new(LoneSurrogate, "\\udfff inside text", "\"How does BTC \\udfff look?\""),
        new(LoneSurrogate, "a reversed pair \\udc00\\ud800", "\"\\udc00\\ud800\""),
        new(LoneSurrogate, "a surrogate as raw UTF-8 (ED A0 80)", [(byte)'"', 0xED, 0xA0, 0x80, (byte)'"']),
        new(InvalidUtf8, "C3 28", [(byte)'"', 0xC3, 0x28, (byte)'"']),
        new(InvalidUtf8, "FF FE", [(byte)'"', 0xFF, 0xFE, (byte)'"']),
        new(OddText, "control and bidi characters", "\"\\u0001\\u001f\\u007f\\u2028\\u202e\\ud83d\\ude00\""),
        new(OddText, "SQL", "\"'; drop table public.user_symbols; --\""),
        new(OddText, "a format string", "\"%s%n{0}${x}\""),
        new(OddText, "a path", "\"../../../etc/passwd\""),
        new(HugeString, "100 KB string", Quoted(new string('A', 100 * 1024))),
        new(DeepNesting, $"{Deep:N0}-deep array", DeepArray(Deep)),
        new(DeepNesting, $"{Deep:N0}-deep object", DeepObject(Deep)),
        new("huge array", "100,000 zeros", "[" + string.Join(',', Enumerable.Repeat("0", 100_000)) + "]"),
    ];

    /// <summary>The first value of each kind: for a strict parser behind a signature, where one of a kind finds what all would.</summary>
    public static IReadOnlyList<Hostile> OnePerKind { get; } = [.. JsonValues.DistinctBy(v => v.Kind)];

    /// <summary>Sent once per valid body, in place of its first string: it is the size that matters, not where.</summary>
    public static Hostile TwoMegabyteString { get; } = new(HugeString, "2 MB string", Quoted(new string('B', 2 * 1024 * 1024)));

    /// <summary>Whole bodies that are no valid request, whatever the operation.</summary>
    public static IReadOnlyList<Hostile> Bodies { get; } =
    [
        new(InvalidJson, "an empty body", ""),
        new(InvalidJson, "{", "{"),
        new(InvalidJson, "an unfinished member", "{\"a\":"),
        new(InvalidJson, "single quotes", "{'a':1}"),
        new(InvalidJson, "a trailing comma", "{\"a\":1,}"),
        new(InvalidJson, "a leading zero", "{\"a\":01}"),
        new(InvalidJson, "a bad escape", "{\"a\":\"\\x\"}"),
        new(InvalidJson, "an unterminated string", "{\"a\":\"abc"),
        new(InvalidJson, "two objects", "{}{}"),
        new(InvalidJson, "a comment", "/* c */ {}"),
        new(InvalidJson, "NaN", "NaN"),
        new(InvalidJson, "a byte-order mark", [0xEF, 0xBB, 0xBF, (byte)'{', (byte)'}']),
        new(InvalidJson, "UTF-16", Encoding.Unicode.GetBytes("{\"a\":1}")),
        new(InvalidJson, "binary", [0x00, 0xFF, 0xFE, 0x01, 0x80]),
        new(BareValue, "a number", "1"),
        new(BareValue, "-1", "-1"),
        new(BareValue, "a string", "\"x\""),
        new(BareValue, "null", "null"),
        new(BareValue, "true", "true"),
        new(BareValue, "[]", "[]"),
        new(BareValue, "[null]", "[null]"),
        new(BareValue, "1e400", "1e400"),
        new(BareValue, "\\u0000", "\"\\u0000\""),
        new(DeepNesting, $"a {Deep:N0}-deep array", DeepArray(Deep)),
        new(DeepNesting, $"a {Deep:N0}-deep object", DeepObject(Deep)),
        new(HugeString, "a 2 MB string", Quoted(new string('C', 2 * 1024 * 1024))),
    ];

    /// <summary>Content types a JSON body is sent with instead of <c>application/json</c>; null sends none.</summary>
    public static IReadOnlyList<string?> ContentTypes { get; } =
    [
        null,
        "text/plain",
        "application/xml",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=fuzz",
        "application/json; charset=utf-16",
        "application/json; charset=nonsense",
        "application/json-patch+json",
        "*/*",
        "application/json; boundary=\"\\u0000\"",
    ];

    /// <summary>Text for a path or query value, already percent-encoded where a URI needs it; sent as written.</summary>
    public static IReadOnlyList<(string Detail, string Text)> UriValues { get; } =
    [
        ("-1", "-1"),
        ("0", "0"),
        ("long.MaxValue", "9223372036854775807"),
        ("long.MaxValue + 1", "9223372036854775808"),
        ("long.MinValue - 1", "-9223372036854775809"),
        ("30 digits", "123456789012345678901234567890"),
        ("1e400", "1e400"),
        ("1.5", "1.5"),
        ("hex", "0x10"),
        ("non-numeric", "abc"),
        ("%00", "%00"),
        ("1%00", "1%00"),
        ("../", "../"),
        ("../../healthz", "../../healthz"),
        ("encoded ../", "..%2F..%2Fhealthz"),
        ("%2e%2e", "%2e%2e"),
        ("10,000 characters", new string('9', 10_000)),
        ("2,000 characters", new string('a', 2_000)),
        ("an encoded lone surrogate", "%ED%A0%80"),
        ("an encoded invalid UTF-8 byte", "%FF"),
        ("an encoded emoji", "%F0%9F%92%A5"),
        ("a space", "%20"),
        ("CRLF", "%0D%0AX-Injected:%201"),
        ("null", "null"),
        ("[]", "%5B%5D"),
        ("SQL", "1%27%3B%20drop%20table%20x%3B--"),
        ("the empty uuid", "00000000-0000-0000-0000-000000000000"),
        ("a uuid in braces", "%7B00000000-0000-0000-0000-000000000001%7D"),
    ];

    /// <summary>Header values; sent as UTF-8, which a client may do though HTTP says ASCII.</summary>
    public static IReadOnlyList<(string Detail, string Value)> HeaderValues { get; } =
    [
        ("empty", ""),
        ("blanks", "   "),
        ("101 characters", new string('k', 101)),
        ("8 KB", new string('k', 8 * 1024)),
        ("non-ASCII", "clé-ü-€"),
        ("a tab inside", "a\tb"),
        ("SQL", "'; drop table public.chat_requests; --"),
    ];

    private static string Quoted(string text) => "\"" + text + "\"";

    private static string DeepArray(int depth) => new string('[', depth) + new string(']', depth);

    private static string DeepObject(int depth)
    {
        var text = new StringBuilder(depth * 7);
        text.Insert(0, "{\"a\":", depth).Append('1').Append('}', depth);
        return text.ToString();
    }
}
