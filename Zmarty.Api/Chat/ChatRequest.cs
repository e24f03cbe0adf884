using System.Text.Json;
using System.Text.Unicode;
using Zmarty.Api.Credits;
using Zmarty.Api.Errors;

namespace Zmarty.Api.Chat;

/// <summary>The body of <c>POST /chat</c> (docs/domain.md §6), plus the optional <c>provider</c> a client may ask for.</summary>
public sealed record ChatRequest(
    string Message,
    bool Voice,
    bool Stream,
    bool IncludeSignals,
    bool IncludeWinRates,
    IReadOnlyList<string>? Symbols,
    string? Provider,
    Guid? ConversationId = null);

/// <summary>Why a chat body was refused: the contract's error code and a message naming what was wrong.</summary>
public sealed record ChatBodyError(string Error, string Message);

/// <summary>
/// Reads a chat body strictly, so every mistake gets a message that says what was wrong, before anything is held:
/// JSON that is malformed, has trailing data or repeats a member is <c>invalid_request</c>; a body that is not UTF-8,
/// or text with U+0000 or a lone surrogate (which A cannot store, and no question needs) is <c>invalid_text</c>.
/// </summary>
public static class ChatRequestParser
{
    private static readonly JsonDocumentOptions s_options = new() { AllowDuplicateProperties = false };

    public static (ChatRequest? Request, ChatBodyError? Error) Parse(ReadOnlyMemory<byte> body, ICollection<string> providers)
    {
        if (body.IsEmpty)
        {
            return Invalid("The body is empty; send a JSON object with at least a message.");
        }

        if (!Utf8.IsValid(body.Span))
        {
            return InvalidText("The body is not valid UTF-8.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, s_options);
        }
        catch (JsonException ex)
        {
            return Invalid($"The body is not valid JSON ({ex.Message.Split('.')[0]}).");
        }
        catch (InvalidOperationException)
        {
            // A member's name escapes a lone surrogate: the parser meets it comparing names.
            return InvalidText("The body is not valid Unicode: a member's name escapes a lone surrogate.");
        }

        using (document)
        {
            return Read(document.RootElement, providers);
        }
    }

    private static (ChatRequest? Request, ChatBodyError? Error) Read(JsonElement root, ICollection<string> providers)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Invalid("The body must be a JSON object.");
        }

        if (!root.TryGetProperty("message", out var messageValue) || messageValue.ValueKind != JsonValueKind.String)
        {
            return Invalid("message is required and must be a non-empty string.");
        }

        if (Text(messageValue, "message", out var message) is { } messageError)
        {
            return (null, messageError);
        }

        if (string.IsNullOrWhiteSpace(message))
        {
            return Invalid("message is required and must be a non-empty string.");
        }

        var mode = "text";
        if (root.TryGetProperty("mode", out var modeValue))
        {
            if (modeValue.ValueKind == JsonValueKind.String && Text(modeValue, "mode", out mode) is { } modeError)
            {
                return (null, modeError);
            }

            if (modeValue.ValueKind != JsonValueKind.String || mode is not ("text" or "voice"))
            {
                return Invalid("mode must be \"text\" or \"voice\".");
            }
        }

        if (!Flag(root, "stream", false, out var stream))
        {
            return Invalid("stream must be true or false.");
        }

        var includeSignals = true;
        var includeWinRates = true;
        List<string>? symbols = null;
        if (root.TryGetProperty("context", out var context) && context.ValueKind != JsonValueKind.Null)
        {
            if (context.ValueKind != JsonValueKind.Object)
            {
                return Invalid("context must be an object.");
            }

            if (!Flag(context, "include_signals", true, out includeSignals)
                || !Flag(context, "include_win_rates", true, out includeWinRates))
            {
                return Invalid("context.include_signals and context.include_win_rates must be true or false.");
            }

            if (context.TryGetProperty("symbols", out var list) && list.ValueKind != JsonValueKind.Null)
            {
                if (list.ValueKind != JsonValueKind.Array || list.EnumerateArray().Any(s => s.ValueKind != JsonValueKind.String))
                {
                    return Invalid("context.symbols must be an array of symbols such as \"BTC/USDT\".");
                }

                symbols = [];
                foreach (var (item, index) in list.EnumerateArray().Select((item, index) => (item, index)))
                {
                    if (Text(item, $"context.symbols[{index}]", out var symbol) is { } symbolError)
                    {
                        return (null, symbolError);
                    }

                    symbols.Add(symbol.Trim().ToUpperInvariant());
                }

                symbols = [.. symbols.Distinct()];
            }
        }

        string? provider = null;
        if (root.TryGetProperty("provider", out var providerValue) && providerValue.ValueKind != JsonValueKind.Null)
        {
            if (providerValue.ValueKind == JsonValueKind.String && Text(providerValue, "provider", out provider) is { } providerError)
            {
                return (null, providerError);
            }

            provider = providerValue.ValueKind == JsonValueKind.String ? provider!.ToLowerInvariant() : "";
            if (!providers.Contains(provider))
            {
                return Invalid($"provider must be one of {string.Join(", ", providers)}.");
            }
        }

        Guid? conversationId = null;
        if (root.TryGetProperty("conversation_id", out var conversationValue) && conversationValue.ValueKind != JsonValueKind.Null)
        {
            if (conversationValue.ValueKind == JsonValueKind.String
                && Text(conversationValue, "conversation_id", out _) is { } conversationError)
            {
                return (null, conversationError);
            }

            if (conversationValue.ValueKind != JsonValueKind.String
                || !Guid.TryParseExact(conversationValue.GetString(), "D", out var parsed))
            {
                return Invalid("conversation_id must be a conversation's id, a UUID such as \"0b6e7c2a-…\"; leave it out to start one.");
            }

            conversationId = parsed;
        }

        return (new ChatRequest(
            message, mode == "voice", stream, includeSignals, includeWinRates, symbols, provider, conversationId), null);
    }

    /// <summary>A string member's text, or why it is refused: an escaped lone surrogate, or a U+0000.</summary>
    private static ChatBodyError? Text(JsonElement element, string field, out string text)
    {
        try
        {
            text = element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            text = "";
            return TextError($"{field} is not valid Unicode: it escapes a lone surrogate.");
        }

        var at = StorableText.FirstUnstorable(text);
        return at < 0 ? null : TextError(text[at] == '\0'
            ? $"{field} contains U+0000 (NUL) at character {at}; remove it."
            : $"{field} is not valid Unicode: a lone surrogate at character {at}.");
    }

    private static (ChatRequest? Request, ChatBodyError? Error) Invalid(string message) =>
        (null, new ChatBodyError(ApiErrors.InvalidRequest, message));

    private static (ChatRequest? Request, ChatBodyError? Error) InvalidText(string message) => (null, TextError(message));

    private static ChatBodyError TextError(string message) => new(ApiErrors.InvalidText, message);

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
