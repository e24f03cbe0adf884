using System.Text.Json;
using System.Text.RegularExpressions;

namespace Zmarty.Api.Webhooks;

/// <summary>A watcher's key in B, the same as user_symbols' in A.</summary>
public sealed record WatcherKey(Guid UserId, string Symbol, string Timeframe);

/// <summary>What one watcher row should become (a delete is an inactive row: docs/database.md, "Outbox").</summary>
public sealed record WatcherState(WatcherKey Key, string StrategyJson, bool Active, DateTimeOffset? SourceUpdatedAt);

/// <summary>
/// One user_symbols change as B applies it, at its version: the rows it writes (an update that
/// moves a row to another key deactivates the old key and writes the new one).
/// </summary>
/// <param name="Subject">The key the reply names: the new row's, or the deleted row's.</param>
public sealed partial record SymbolChange(string Operation, long Version, WatcherKey Subject, IReadOnlyList<WatcherState> Writes)
{
    private static readonly string[] s_operations = ["INSERT", "UPDATE", "DELETE"];

    /// <summary>The timeframes user_symbols allows, with one candle's length.</summary>
    public static readonly IReadOnlyDictionary<string, TimeSpan> Timeframes = new Dictionary<string, TimeSpan>(StringComparer.Ordinal)
    {
        ["1m"] = TimeSpan.FromMinutes(1),
        ["5m"] = TimeSpan.FromMinutes(5),
        ["15m"] = TimeSpan.FromMinutes(15),
        ["30m"] = TimeSpan.FromMinutes(30),
        ["1h"] = TimeSpan.FromHours(1),
        ["4h"] = TimeSpan.FromHours(4),
        ["1d"] = TimeSpan.FromDays(1),
        ["1w"] = TimeSpan.FromDays(7),
    };

    /// <summary>
    /// Reads one user_symbols outbox payload (the Supabase database-webhook shape plus <c>version</c>);
    /// <see cref="InvalidPayloadException"/> says what is wrong when it is not one.
    /// </summary>
    internal static SymbolChange Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidPayloadException($"The body must be a JSON object, not {root.ValueKind}.");
        }

        var operation = RequiredString(root, "type", "the body");
        if (!s_operations.Contains(operation, StringComparer.Ordinal))
        {
            throw new InvalidPayloadException($"Unknown type '{operation}': expected INSERT, UPDATE or DELETE.");
        }

        var schema = RequiredString(root, "schema", "the body");
        var table = RequiredString(root, "table", "the body");
        if (schema != "public" || table != "user_symbols")
        {
            throw new InvalidPayloadException($"Unknown table '{schema}.{table}': this receiver takes public.user_symbols only.");
        }

        if (!root.TryGetProperty("version", out var versionElement) || versionElement.ValueKind != JsonValueKind.Number
            || !versionElement.TryGetInt64(out var version) || version <= 0)
        {
            throw new InvalidPayloadException("'version' must be a positive integer (the change's version in Supabase A).");
        }

        var record = operation == "DELETE" ? null : Row(root, "record", operation);
        var oldRecord = operation == "INSERT" ? null : Row(root, "old_record", operation);
        List<WatcherState> writes = (record, oldRecord) switch
        {
            ({ } row, null) => [row],
            (null, { } deleted) => [deleted with { Active = false }],
            ({ } row, { } before) when row.Key == before.Key => [row],
            ({ } row, { } before) => [before with { Active = false }, row],
            _ => throw new InvalidOperationException("Every operation has a row."),
        };
        return new(operation, version, (record ?? oldRecord)!.Key, writes);
    }

    private static WatcherState Row(JsonElement root, string name, string operation)
    {
        if (!root.TryGetProperty(name, out var row) || row.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidPayloadException($"'{name}' must be an object for {operation}.");
        }

        var where = $"'{name}'";
        var userIdText = RequiredString(row, "user_id", where);
        if (!Guid.TryParseExact(userIdText, "D", out var userId))
        {
            throw new InvalidPayloadException($"{where}.user_id must be a UUID, not '{userIdText}'.");
        }

        var symbol = RequiredString(row, "symbol", where);
        if (!SymbolPattern().IsMatch(symbol))
        {
            throw new InvalidPayloadException($"{where}.symbol must look like BTC/USDT, not '{symbol}'.");
        }

        var timeframe = RequiredString(row, "timeframe", where);
        if (!Timeframes.ContainsKey(timeframe))
        {
            throw new InvalidPayloadException($"{where}.timeframe must be one of {string.Join(", ", Timeframes.Keys)}, not '{timeframe}'.");
        }

        if (!row.TryGetProperty("strategy", out var strategy) || strategy.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidPayloadException($"{where}.strategy must be a JSON object.");
        }

        if (!row.TryGetProperty("active", out var active) || active.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            throw new InvalidPayloadException($"{where}.active must be true or false.");
        }

        DateTimeOffset? updatedAt = null;
        if (row.TryGetProperty("updated_at", out var updated) && updated.ValueKind != JsonValueKind.Null)
        {
            updatedAt = updated.ValueKind == JsonValueKind.String && updated.TryGetDateTimeOffset(out var at)
                ? at.ToUniversalTime()
                : throw new InvalidPayloadException($"{where}.updated_at must be a timestamp.");
        }

        return new(new(userId, symbol, timeframe), strategy.GetRawText(), active.GetBoolean(), updatedAt);
    }

    private static string RequiredString(JsonElement element, string name, string where) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw new InvalidPayloadException($"{where} is missing '{name}' (a non-empty string).");

    [GeneratedRegex("^[A-Z0-9]{1,20}/[A-Z0-9]{1,20}$", RegexOptions.CultureInvariant)]
    private static partial Regex SymbolPattern();

    internal sealed class InvalidPayloadException(string message) : Exception(message);
}
