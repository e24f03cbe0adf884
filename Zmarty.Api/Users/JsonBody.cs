using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.HttpResults;
using Zmarty.Api.Errors;

namespace Zmarty.Api.Users;

/// <summary>
/// A <c>/me/*</c> request body read by the endpoint itself, so every mistake in it (not JSON, not an object, a field of
/// the wrong type) is a 400 that says what was wrong, instead of the framework's binding failure.
/// </summary>
internal static class JsonBody
{
    /// <summary>Far above any valid body (a strategy is at most 4096 bytes): a bigger one is refused unread.</summary>
    public const int MaxBytes = 32 * 1024;

    /// <summary>The body's top-level JSON object, or the problem that refuses it.</summary>
    public static async Task<(JsonElement Body, ProblemHttpResult? Problem)> ReadObjectAsync(
        HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentType is { Length: > 0 } && !request.HasJsonContentType())
        {
            return (default, ApiErrors.Problem(StatusCodes.Status415UnsupportedMediaType, ApiErrors.InvalidRequest,
                "The body must be JSON (Content-Type: application/json)."));
        }

        if (request.ContentLength > MaxBytes)
        {
            return (default, TooLarge());
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                return (default, TooLarge());
            }

            buffer.Write(chunk, 0, read);
        }

        // JSON's parser leaves a string's bytes to whoever reads it, and reading invalid ones throws.
        if (!Utf8.IsValid(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)))
        {
            return (default, ApiErrors.Problem(StatusCodes.Status400BadRequest, ApiErrors.InvalidText,
                "The body is not UTF-8 (an invalid or overlong byte sequence, or a surrogate written as bytes)."));
        }

        JsonElement body;
        try
        {
            using var document = JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
            body = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            return (default, ApiErrors.BadRequest($"The body is not valid JSON: {ex.Message}"));
        }

        return body.ValueKind == JsonValueKind.Object
            ? (body, null)
            : (default, ApiErrors.BadRequest($"The body must be a JSON object, not {Kind(body)}."));
    }

    /// <summary>The property, or null when it is absent or JSON null.</summary>
    public static JsonElement? Field(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>
    /// A string field's text, or the problem that refuses it: an escaped lone surrogate (valid JSON, but no text) or a
    /// U+0000, which A cannot store.
    /// </summary>
    public static ProblemHttpResult? Text(JsonElement value, string name, out string text)
    {
        text = "";
        try
        {
            text = value.GetString() ?? "";
        }
        catch (InvalidOperationException)
        {
            return ApiErrors.Problem(StatusCodes.Status400BadRequest, ApiErrors.InvalidText, $"{name} holds a lone surrogate: not text.");
        }

        return text.Contains('\0', StringComparison.Ordinal)
            ? ApiErrors.Problem(StatusCodes.Status400BadRequest, ApiErrors.InvalidText, $"{name} holds U+0000, which cannot be stored.")
            : null;
    }

    /// <summary>How a value reads in a message: "a number", "an array", ...</summary>
    public static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static ProblemHttpResult TooLarge() => ApiErrors.Problem(
        StatusCodes.Status413RequestEntityTooLarge, ApiErrors.InvalidRequest, $"The body is larger than {MaxBytes} bytes.");
}
