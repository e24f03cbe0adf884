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
    /// <see cref="ProviderFailure.NoData"/> for one of Cryptometer's "nothing here" answers and
    /// <see cref="ProviderFailure.Rejected"/> with the message otherwise ("Parameter is missing", a bad key or plan).
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
            throw IsAbsence(error)
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

    /// <summary>
    /// A time as providers write it: an ISO date-time (UTC when it has no offset), or an epoch in milliseconds or
    /// seconds, as a number or a string of digits.
    /// </summary>
    public static bool TryTime(JsonElement value, out DateTimeOffset time)
    {
        time = default;
        switch (value.ValueKind)
        {
            case JsonValueKind.Number when value.TryGetInt64(out var epoch):
                time = FromEpoch(epoch);
                return true;
            case JsonValueKind.String:
                var text = value.GetString()!.Trim();
                if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var digits))
                {
                    time = FromEpoch(digits);
                    return true;
                }

                return DateTimeOffset.TryParse(
                    text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
            default:
                return false;
        }
    }

    // Below 10^11 an epoch is in seconds (10^11 ms is 1973; 10^11 s is the year 5138).
    private static DateTimeOffset FromEpoch(long epoch) =>
        epoch < 100_000_000_000 ? DateTimeOffset.FromUnixTimeSeconds(epoch) : DateTimeOffset.FromUnixTimeMilliseconds(epoch);

    /// <summary>The answers Cryptometer gives for "nothing to report", which are not refusals.</summary>
    public static bool IsAbsence(string error) =>
        s_absences.Contains(error.Trim().TrimEnd('!', '.').Trim());

    private static readonly HashSet<string> s_absences =
        new(StringComparer.OrdinalIgnoreCase) { "No Data", "No Liquidation", "No updates" };

    // "true"/"false" as strings is what Cryptometer sends; real booleans are accepted too.
    private static bool IsTrue(JsonElement value) =>
        value.ValueKind == JsonValueKind.True
        || (value.ValueKind == JsonValueKind.String && string.Equals(value.GetString(), "true", StringComparison.OrdinalIgnoreCase));

    private static string Shorten(string body) => body.Length <= 200 ? body : body[..200] + "...";
}
