using System.Text.Json;

namespace Zmarty.Api.Chat;

/// <summary>The body of <c>POST /chat</c> (docs/domain.md §6), plus the optional <c>provider</c> a client may ask for.</summary>
public sealed record ChatRequest(
    string Message,
    bool Voice,
    bool Stream,
    bool IncludeSignals,
    bool IncludeWinRates,
    IReadOnlyList<string>? Symbols,
    string? Provider);

/// <summary>Reads a chat body strictly, so every mistake gets a message that says what was wrong.</summary>
public static class ChatRequestParser
{
    public static (ChatRequest? Request, string? Error) Parse(ReadOnlySpan<byte> body, ICollection<string> providers)
    {
        if (body.IsEmpty)
        {
            return (null, "The body is empty; send a JSON object with at least a message.");
        }

        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(body);
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            return (null, $"The body is not valid JSON ({ex.Message.Split('.')[0]}).");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, "The body must be a JSON object.");
            }

            if (!root.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.String
                || string.IsNullOrWhiteSpace(message.GetString()))
            {
                return (null, "message is required and must be a non-empty string.");
            }

            var mode = "text";
            if (root.TryGetProperty("mode", out var modeValue))
            {
                mode = modeValue.ValueKind == JsonValueKind.String ? modeValue.GetString()! : "";
                if (mode is not ("text" or "voice"))
                {
                    return (null, "mode must be \"text\" or \"voice\".");
                }
            }

            if (!Flag(root, "stream", false, out var stream))
            {
                return (null, "stream must be true or false.");
            }

            var includeSignals = true;
            var includeWinRates = true;
            List<string>? symbols = null;
            if (root.TryGetProperty("context", out var context) && context.ValueKind != JsonValueKind.Null)
            {
                if (context.ValueKind != JsonValueKind.Object)
                {
                    return (null, "context must be an object.");
                }

                if (!Flag(context, "include_signals", true, out includeSignals)
                    || !Flag(context, "include_win_rates", true, out includeWinRates))
                {
                    return (null, "context.include_signals and context.include_win_rates must be true or false.");
                }

                if (context.TryGetProperty("symbols", out var list) && list.ValueKind != JsonValueKind.Null)
                {
                    if (list.ValueKind != JsonValueKind.Array || list.EnumerateArray().Any(s => s.ValueKind != JsonValueKind.String))
                    {
                        return (null, "context.symbols must be an array of symbols such as \"BTC/USDT\".");
                    }

                    symbols = [.. list.EnumerateArray().Select(s => s.GetString()!.Trim().ToUpperInvariant()).Distinct()];
                }
            }

            string? provider = null;
            if (root.TryGetProperty("provider", out var providerValue) && providerValue.ValueKind != JsonValueKind.Null)
            {
                provider = providerValue.ValueKind == JsonValueKind.String ? providerValue.GetString()!.ToLowerInvariant() : "";
                if (!providers.Contains(provider))
                {
                    return (null, $"provider must be one of {string.Join(", ", providers)}.");
                }
            }

            var request = new ChatRequest(
                message.GetString()!, mode == "voice", stream, includeSignals, includeWinRates, symbols, provider);
            return (request, null);
        }
    }

    private static bool Flag(JsonElement parent, string name, bool fallback, out bool value)
    {
        value = fallback;
        if (!parent.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            return false;
        }

        value = element.GetBoolean();
        return true;
    }
}

/// <summary>
/// Token counts before the provider has said: an upper bound to hold credits against (a byte-level
/// tokenizer never makes more tokens than UTF-8 bytes), and a typical count (4 bytes a token) for
/// charging a reply whose usage never arrived.
/// </summary>
public static class TokenEstimate
{
    private const int PerMessage = 4;
    private const int ReplyPriming = 3;

    public static int UpperBound(IEnumerable<string> messages) =>
        ReplyPriming + messages.Sum(m => PerMessage + System.Text.Encoding.UTF8.GetByteCount(m));

    /// <summary>The bound for a system prompt of at most <paramref name="systemPromptBytes"/> bytes and the user's message.</summary>
    public static int UpperBound(int systemPromptBytes, string message) =>
        ReplyPriming + PerMessage + systemPromptBytes + PerMessage + System.Text.Encoding.UTF8.GetByteCount(message);

    public static int Typical(string text) => (System.Text.Encoding.UTF8.GetByteCount(text) + 3) / 4;

    public static int Typical(IEnumerable<string> messages) => ReplyPriming + messages.Sum(m => PerMessage + Typical(m));
}
