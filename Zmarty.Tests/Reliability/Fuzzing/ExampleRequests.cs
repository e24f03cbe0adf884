using System.Globalization;
using System.Text.Json.Nodes;

namespace Zmarty.Tests.Reliability.Fuzzing;

/// <summary>
/// Valid requests to start from, so that one hostile value at a time reaches the code past every check of the others.
/// The document's schemas give the shape, not the values a handler accepts (a symbol like BTC/USDT, a timeframe it
/// knows), so the operations the Api has today get examples from the contract (docs/api.md); one added later gets a
/// body built from its schema until it gets an example here. Each operation that changes a watched symbol has one of its
/// own, so a pause or a removal never turns another operation's valid request into a refused one.
/// </summary>
/// <param name="contextSymbol">Watched by the fuzzing user (and the anonymous session) and named in every chat's context.</param>
/// <param name="pausedSymbolId">The fuzzing user's symbol that PATCH requests pause and resume.</param>
/// <param name="removedSymbolId">The fuzzing user's symbol the first valid DELETE removes.</param>
internal sealed class ExampleRequests(Guid user, string contextSymbol, long pausedSymbolId, long removedSymbolId)
{
    /// <summary>A clip that does not exist: the audio endpoint's checks run all the same.</summary>
    private static readonly Guid s_audioId = new("6f9f3c1e-5d2a-4b7e-9c41-0a8d2e7b3f10");

    private int _keys;

    /// <summary>The bodies to start from, the first the main one; each with every property its schema names.</summary>
    public IReadOnlyList<JsonObject> Bodies(ApiOperation operation)
    {
        IReadOnlyList<JsonObject> examples = operation.Name switch
        {
            "POST /chat" => [Chat(stream: false), Chat(stream: true)],
            "POST /me/symbols" =>
                [new JsonObject { ["symbol"] = "ETH/USDT", ["timeframe"] = "4h", ["strategy"] = new JsonObject { ["risk"] = 1 } }],
            "PATCH /me/symbols/{id}" => [new JsonObject { ["active"] = false }],
            "POST /hooks/watchers-upsert" => [Delivery()],
            _ when operation.BodySchema is not null => [new JsonObject()],
            _ => [],
        };
        return [.. examples.Select(example => WithSchemaDefaults(example, operation.BodySchema))];
    }

    /// <summary>
    /// The headers a client sends with every request of the operation. A chat carries an <c>Idempotency-Key</c>, as the
    /// frontend's client always sends one, and each a key of its own: the key's record is written with the request.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers(ApiOperation operation) =>
        operation.Name == "POST /chat" ? [new(IdempotencyKey, $"fuzz-{Interlocked.Increment(ref _keys)}")] : [];

    public const string IdempotencyKey = "Idempotency-Key";

    /// <summary>A valid value of a path parameter: one of the fuzzing user's symbols, or a clip id.</summary>
    private string ValidValue(ApiOperation operation, ApiParameter parameter) => parameter switch
    {
        { Format: "uuid" } => s_audioId.ToString(),
        { Type: "integer" } => (operation.Method == "DELETE" ? removedSymbolId : pausedSymbolId).ToString(CultureInfo.InvariantCulture),
        _ => "fuzz",
    };

    /// <summary>The operation's path with valid values, <paramref name="odd"/> (already encoded) in place of one parameter.</summary>
    public string Path(ApiOperation operation, ApiParameter? target = null, string? odd = null) =>
        operation.PathParameters.Aggregate(operation.Path, (path, p) =>
            path.Replace("{" + p.Name + "}", p == target ? odd : Uri.EscapeDataString(ValidValue(operation, p)), StringComparison.Ordinal));

    private JsonObject Chat(bool stream) => new()
    {
        ["message"] = "How does BTC look?",
        ["mode"] = "text",
        ["stream"] = stream,
        ["context"] = new JsonObject
        {
            ["include_signals"] = true,
            ["include_win_rates"] = true,
            ["symbols"] = new JsonArray(contextSymbol),
        },
        ["provider"] = "grok",
    };

    /// <summary>A change the relay would sign: the fuzzing user's own symbol, so whatever a signed delivery writes is theirs.</summary>
    private JsonObject Delivery() => new()
    {
        ["type"] = "INSERT",
        ["schema"] = "public",
        ["table"] = "user_symbols",
        ["version"] = 1,
        ["record"] = new JsonObject
        {
            ["user_id"] = user.ToString(),
            ["symbol"] = "FUZZ/USDT",
            ["timeframe"] = "1h",
            ["strategy"] = new JsonObject(),
            ["active"] = true,
            ["updated_at"] = null,
        },
        ["old_record"] = null,
    };

    private static JsonObject WithSchemaDefaults(JsonObject example, JsonObject? schema)
    {
        if (schema is null)
        {
            return example;
        }

        foreach (var (name, value) in ApiDocument.DefaultBody(schema).ToList())
        {
            if (!example.ContainsKey(name))
            {
                example[name] = value?.DeepClone();
            }
        }

        return example;
    }
}
