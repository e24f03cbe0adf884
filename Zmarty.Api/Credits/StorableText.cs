using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Zmarty.Api.Credits;

/// <summary>
/// Text as A can store it. PostgreSQL's text and jsonb refuse U+0000 (jsonb's <c>\u0000</c> fails with 22P05, which would
/// fail the call that charges a reply), and UTF-8, the database's encoding, has no lone surrogates. What a provider wrote
/// is stored with U+FFFD in their place (<see cref="Clean"/>, and <see cref="Json"/> for every string of a jsonb value);
/// what a client sends is refused instead (<see cref="FirstUnstorable"/>).
/// </summary>
public static class StorableText
{
    public const char Replacement = '\uFFFD';

    private static readonly SearchValues<char> s_suspects = SearchValues.Create(
        string.Concat("\0", string.Concat(Enumerable.Range(0xD800, 0x800).Select(c => (char)c))));

    /// <summary>Serializer options that write every string cleaned, for values stored as jsonb.</summary>
    public static JsonSerializerOptions Json { get; } = WithCleanStrings(new JsonSerializerOptions());

    /// <summary>Adds the cleaning of strings to <paramref name="options"/> (before their first use) and returns them.</summary>
    public static JsonSerializerOptions WithCleanStrings(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Converters.Add(new CleanStringConverter());
        return options;
    }

    /// <summary>The index of the first U+0000 or lone surrogate, or -1: one vectorised scan for text that has neither.</summary>
    public static int FirstUnstorable(ReadOnlySpan<char> text)
    {
        var offset = 0;
        while (text[offset..].IndexOfAny(s_suspects) is var found and >= 0)
        {
            var at = offset + found;
            if (char.IsHighSurrogate(text[at]) && at + 1 < text.Length && char.IsLowSurrogate(text[at + 1]))
            {
                offset = at + 2;
                continue;
            }

            return at;
        }

        return -1;
    }

    /// <summary><paramref name="text"/> with U+0000 and lone surrogates replaced by U+FFFD (the same string when it has none).</summary>
    public static string Clean(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var first = FirstUnstorable(text);
        if (first < 0)
        {
            return text;
        }

        var clean = new StringBuilder(text.Length).Append(text, 0, first);
        for (var i = first; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                clean.Append(c).Append(text[++i]);
            }
            else
            {
                clean.Append(c == '\0' || char.IsSurrogate(c) ? Replacement : c);
            }
        }

        return clean.ToString();
    }

    private sealed class CleanStringConverter : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetString();

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Clean(value));
    }
}
