using System.Text.Json;

namespace Zmarty.Api.Webhooks;

/// <summary>
/// What one delivery carries: a single change (<see cref="SymbolChange"/>'s payload), or a batch
/// <c>{"type": "BATCH", "events": [payload, …]}</c> that the receiver applies in one transaction
/// (docs/database.md, "The relay and the receiver").
/// </summary>
public sealed record SymbolDelivery(IReadOnlyList<SymbolChange> Changes, bool IsBatch)
{
    public const string BatchType = "BATCH";

    /// <summary>Reads a delivery of at most <paramref name="maxEvents"/> changes; null, saying what is wrong, when it is not one.</summary>
    public static SymbolDelivery? Parse(ReadOnlySpan<byte> body, int maxEvents, out string error)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException ex)
        {
            error = $"The body is not valid JSON: {ex.Message}";
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            var isBatch = root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && IsBatchType(type);
            try
            {
                var changes = isBatch ? ReadBatch(root, maxEvents) : [SymbolChange.Read(root)];
                error = "";
                return new(changes, isBatch);
            }
            catch (SymbolChange.InvalidPayloadException ex)
            {
                error = ex.Message;
                return null;
            }
            catch (InvalidOperationException)
            {
                // Valid JSON can escape a lone surrogate, which no .NET string holds: System.Text.Json throws on reading it.
                error = "The body holds a string with a lone surrogate (\\ud800-\\udfff unpaired): not text.";
                return null;
            }
        }
    }

    private static bool IsBatchType(JsonElement type)
    {
        try
        {
            return type.ValueEquals(BatchType);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static List<SymbolChange> ReadBatch(JsonElement root, int maxEvents)
    {
        if (!root.TryGetProperty("events", out var events) || events.ValueKind != JsonValueKind.Array)
        {
            throw new SymbolChange.InvalidPayloadException("A BATCH needs 'events', an array of changes.");
        }

        var count = events.GetArrayLength();
        if (count is 0 || count > maxEvents)
        {
            throw new SymbolChange.InvalidPayloadException($"A BATCH carries 1 to {maxEvents} events, not {count}.");
        }

        var changes = new List<SymbolChange>(count);
        foreach (var change in events.EnumerateArray())
        {
            try
            {
                changes.Add(SymbolChange.Read(change));
            }
            catch (SymbolChange.InvalidPayloadException ex)
            {
                throw new SymbolChange.InvalidPayloadException($"events[{changes.Count}]: {ex.Message}");
            }
        }

        return changes;
    }
}
