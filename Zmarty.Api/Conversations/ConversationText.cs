using System.Text;
using Microsoft.ML.Tokenizers;
using Zmarty.Api.Credits;

namespace Zmarty.Api.Conversations;

/// <summary>
/// What a conversation stores of a turn and how it is counted: tokens by o200k_base (the encoding of OpenAI's current
/// models; other vendors' tokenizers differ by a few percent, and their reported usage is what is charged), titles cut
/// from the first question, and content bounded to what A's check allows.
/// </summary>
public static class ConversationText
{
    /// <summary>The most one message's content may take in A, in UTF-8 bytes (its check constraint).</summary>
    public const int MaxContentBytes = 256 * 1024;

    /// <summary>The longest title, in characters; A allows 200, a list shows less.</summary>
    public const int MaxTitleLength = 80;

    /// <summary>What a message costs besides its content (role and separators), as <see cref="Chat.TokenEstimate"/> counts it.</summary>
    public const int PerMessage = 4;

    private static readonly Lazy<Tokenizer> s_tokenizer = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));

    public static int Tokens(string text) => text.Length == 0 ? 0 : s_tokenizer.Value.CountTokens(text);

    /// <summary>The first question as a title: whitespace folded, cut at the last word boundary within the limit.</summary>
    public static string Title(string question)
    {
        var folded = string.Join(' ', question.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (folded.Length == 0)
        {
            return "Conversation";
        }

        if (folded.Length <= MaxTitleLength)
        {
            return folded;
        }

        var cut = folded.LastIndexOf(' ', MaxTitleLength - 1);
        var length = cut > MaxTitleLength / 2 ? cut : MaxTitleLength - 1;
        if (char.IsHighSurrogate(folded[length - 1]))
        {
            length--;
        }

        return folded[..length].TrimEnd() + "…";
    }

    /// <summary>Content as A can store it: U+0000 and lone surrogates replaced, cut at <see cref="MaxContentBytes"/>.</summary>
    public static string Storable(string text)
    {
        var clean = StorableText.Clean(text);
        if (Encoding.UTF8.GetByteCount(clean) <= MaxContentBytes)
        {
            return clean;
        }

        var length = Math.Min(clean.Length, MaxContentBytes);
        while (Encoding.UTF8.GetByteCount(clean.AsSpan(0, length)) > MaxContentBytes || char.IsHighSurrogate(clean[length - 1]))
        {
            length--;
        }

        return clean[..length];
    }
}
