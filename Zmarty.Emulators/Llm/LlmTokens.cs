using System.Text.RegularExpressions;

namespace Zmarty.Emulators.Llm;

/// <summary>
/// The emulators' tokenizer: a word (up to 8 letters or digits) with its leading space, a single
/// other character, or a run of whitespace is one token. Deterministic and never more tokens than
/// UTF-8 bytes, which is the bound a real byte-level BPE tokenizer also keeps.
/// </summary>
public static partial class LlmTokens
{
    /// <summary>Tokens a chat message costs besides its content, as OpenAI counts them.</summary>
    public const int PerMessage = 4;

    /// <summary>Tokens that prime the reply.</summary>
    public const int ReplyPriming = 3;

    [GeneratedRegex(@"\s?[\p{L}\p{N}]{1,8}|\s?[^\s\p{L}\p{N}]|\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Piece();

    public static IEnumerable<string> Split(string text) => Piece().Matches(text).Select(m => m.Value);

    public static int Count(string text) => Piece().Count(text);
}
