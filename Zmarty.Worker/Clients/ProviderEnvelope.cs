using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Zmarty.Worker.Clients;

/// <summary>Reads provider answers: the status first, then Cryptometer's string-boolean envelope, into data or a clear error.</summary>
public static class ProviderEnvelope
{
    /// <summary>The body of a successful answer; 401/403 and other 4xx as <see cref="ProviderException"/>, 429 and 5xx as transient.</summary>
    public static async Task<JsonDocument> ReadAsync(HttpResponseMessage response, string endpoint, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var status = (int)response.StatusCode;
        if (response.StatusCode is HttpStatusCode.TooManyRequests || status >= 500)
        {
            throw new HttpRequestException($"{endpoint}: HTTP {status} after the retries", null, response.StatusCode);
        }

        if (status >= 400)
        {
            var failure = response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized ? ProviderFailure.Forbidden : ProviderFailure.Rejected;
            throw new ProviderException(failure, endpoint, $"HTTP {status}: {Shorten(body)}");
        }

        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            throw new ProviderException(ProviderFailure.Malformed, endpoint, $"not JSON ({ex.Message}): {Shorten(body)}");
        }
    }

    /// <summary>
    /// The <c>data</c> array of <c>{"success":"true","error":"false","data":[...]}</c>. <c>"success":"false"</c> becomes
    /// <see cref="ProviderFailure.NoData"/> for "No Data" and <see cref="ProviderFailure.Rejected"/> with the message otherwise.
    /// </summary>
    public static JsonElement Data(JsonDocument document, string endpoint)
    {
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("success", out var success))
        {
            throw new ProviderException(ProviderFailure.Malformed, endpoint, "no success field in the envelope");
        }

        if (!IsTrue(success))
        {
            var error = root.TryGetProperty("error", out var e) ? e.ToString() : "";
            throw string.Equals(error.Trim(), "No Data", StringComparison.OrdinalIgnoreCase)
                ? new ProviderException(ProviderFailure.NoData, endpoint, "the provider has no data for this request")
                : new ProviderException(ProviderFailure.Rejected, endpoint, string.IsNullOrWhiteSpace(error) ? "success is false" : error);
        }

        return root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array
            ? data
            : throw new ProviderException(ProviderFailure.Malformed, endpoint, "data is not an array");
    }

    /// <summary>A number, or a number written as a string (providers do both); null when absent or not numeric.</summary>
    public static double? Number(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.Number => value.GetDouble(),
                JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
                _ => null,
            }
            : null;

    public static double Required(JsonElement element, string name, string endpoint) =>
        Number(element, name) is { } value && double.IsFinite(value)
            ? value
            : throw new ProviderException(ProviderFailure.Malformed, endpoint, $"'{name}' is missing or not a number");

    // "true"/"false" as strings is what Cryptometer sends; real booleans are accepted too.
    private static bool IsTrue(JsonElement value) =>
        value.ValueKind == JsonValueKind.True
        || (value.ValueKind == JsonValueKind.String && string.Equals(value.GetString(), "true", StringComparison.OrdinalIgnoreCase));

    private static string Shorten(string body) => body.Length <= 200 ? body : body[..200] + "...";
}
