using System.Text.Json;
using Zmarty.Api.Credits;

namespace Zmarty.Tests.Credits;

/// <summary>What A cannot store (U+0000, lone surrogates) is found in one scan and replaced by U+FFFD; pairs are kept.</summary>
public sealed class StorableTextTests
{
    // Built at run time: a lone surrogate in an attribute's string would reach the test as U+FFFD already.
    private const char High = (char)0xD83D;
    private const char Low = (char)0xDE80;
    private static readonly string s_rocket = $"{High}{Low}";

    [Fact]
    public void The_first_character_A_cannot_store_is_found()
    {
        (string Text, int At)[] cases =
        [
            ("BTC holds 64k", -1), ("", -1), ($"to the moon {s_rocket}", -1), ("BTC\0", 3),
            ($"{High}x", 0), ($"x{Low}", 1), ($"{s_rocket}{High}", 2), ($"{Low}{s_rocket}", 0), ($"{s_rocket}{Low}{High}", 2),
        ];

        Assert.All(cases, c => Assert.Equal(c.At, StorableText.FirstUnstorable(c.Text)));
    }

    [Fact]
    public void What_A_cannot_store_becomes_U_FFFD_and_surrogate_pairs_stay()
    {
        (string Text, string Clean)[] cases =
        [
            ("BTC\0 holds\0", "BTC\uFFFD holds\uFFFD"),
            ($"a{High}b{Low}c", "a\uFFFDb\uFFFDc"),
            ($"{s_rocket}{High}", $"{s_rocket}\uFFFD"),
            ($"{Low}{High}{Low}\0", $"\uFFFD{s_rocket}\uFFFD"),
        ];

        Assert.All(cases, c => Assert.Equal(c.Clean, StorableText.Clean(c.Text)));
    }

    [Fact]
    public void Text_A_can_store_is_returned_as_it_is()
    {
        var text = $"How does BTC look? {s_rocket}";

        Assert.Same(text, StorableText.Clean(text));
    }

    [Fact]
    public void Every_string_of_a_value_serialised_for_jsonb_is_cleaned()
    {
        var json = JsonSerializer.Serialize(new { model = "grok\0", fallback_from = new[] { $"x{High}y" }, units = 3 }, StorableText.Json);

        Assert.Equal("""{"model":"grok\uFFFD","fallback_from":["x\uFFFDy"],"units":3}""", json);
    }
}
