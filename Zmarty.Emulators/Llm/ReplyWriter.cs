using System.Security.Cryptography;
using System.Text;

namespace Zmarty.Emulators.Llm;

/// <summary>
/// Writes the emulated model's answer: the same messages and model always give the same text, so a
/// test can predict usage and cost. The text names the model and quotes the question, then goes on
/// with words chosen by a hash of the conversation.
/// </summary>
public static class ReplyWriter
{
    /// <summary>Reply length when neither the caller's max tokens nor a fault plan says otherwise.</summary>
    public const int DefaultTokens = 48;

    private static readonly string[] s_words =
    [
        "momentum", "support", "resistance", "volume", "trend", "signal", "risk", "liquidity", "funding",
        "breakout", "range", "pullback", "entry", "target", "stop", "volatility", "bullish", "bearish",
        "neutral", "confirmation", "divergence", "cluster", "timeframe", "position",
    ];

    /// <summary>
    /// The reply's tokens, and whether it was cut by <paramref name="maxTokens"/>. A <paramref name="text"/> is the reply as
    /// it is, tokenized; without one the reply is generated, <paramref name="length"/> tokens long.
    /// </summary>
    public static (IReadOnlyList<string> Tokens, bool Truncated) Write(
        string model, string conversation, string question, int? maxTokens, int? length, string? text = null)
    {
        if (text is not null)
        {
            return Cut([.. LlmTokens.Split(text)], maxTokens);
        }

        var wanted = Math.Max(1, length ?? DefaultTokens);
        var quoted = question.Length > 60 ? question[..60] + "…" : question;
        var opening = $"Emulated {model} answering \"{quoted.ReplaceLineEndings(" ")}\":";
        var seed = SHA256.HashData(Encoding.UTF8.GetBytes(model + "\n" + conversation));
        var tokens = LlmTokens.Split(opening).ToList();
        var natural = Math.Max(wanted, tokens.Count);
        for (var i = 0; tokens.Count < wanted; i++)
        {
            tokens.Add(" " + s_words[seed[i % seed.Length] % s_words.Length]);
            if (i % 8 == 7)
            {
                tokens.Add(".");
            }
        }

        return Cut(tokens[..natural], maxTokens);
    }

    private static (IReadOnlyList<string> Tokens, bool Truncated) Cut(List<string> tokens, int? maxTokens) =>
        maxTokens is { } max && max < tokens.Count ? (tokens[..Math.Max(1, max)], true) : (tokens, false);
}
