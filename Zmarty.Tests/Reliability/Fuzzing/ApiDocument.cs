using System.Text.Json.Nodes;

namespace Zmarty.Tests.Reliability.Fuzzing;

/// <summary>A parameter of an operation, with the schema type the document gives it.</summary>
internal sealed record ApiParameter(string Name, string Type, string? Format);

/// <summary>One operation of the Api's OpenAPI document, as much of it as the fuzzer needs.</summary>
internal sealed record ApiOperation(
    string Method,
    string Path,
    IReadOnlyList<ApiParameter> PathParameters,
    IReadOnlyList<ApiParameter> QueryParameters,
    JsonObject? BodySchema,
    bool NeedsUser,
    bool SpendsCredits)
{
    public string Name => $"{Method} {Path}";

    /// <summary>A receiver of signed webhooks: its callers prove themselves by signature, not by a user's token.</summary>
    public bool IsWebhook => Path.StartsWith("/hooks/", StringComparison.Ordinal);

    public bool TakesBody => Method is "POST" or "PUT" or "PATCH";
}

/// <summary>Reads the operations of <c>/openapi/v1.json</c>, and makes a body its schema accepts.</summary>
internal static class ApiDocument
{
    private static readonly string[] s_methods = ["get", "put", "post", "patch", "delete"];

    public static IReadOnlyList<ApiOperation> Operations(string document)
    {
        var root = JsonNode.Parse(document)!.AsObject();
        var schemas = root["components"]?["schemas"]?.AsObject() ?? [];
        var operations = new List<ApiOperation>();
        foreach (var (path, item) in root["paths"]!.AsObject())
        {
            foreach (var method in s_methods.Where(m => item![m] is not null))
            {
                var operation = item![method]!.AsObject();
                var parameters = (operation["parameters"]?.AsArray() ?? []).Select(p => p!.AsObject()).ToList();
                var body = operation["requestBody"]?["content"]?["application/json"]?["schema"]?.AsObject();
                operations.Add(new ApiOperation(
                    method.ToUpperInvariant(),
                    path,
                    Parameters(parameters, "path", schemas),
                    Parameters(parameters, "query", schemas),
                    body is null ? null : Resolve(body, schemas),
                    // The document declares no security scheme: an operation that may answer 401 is one that needs a user,
                    // and one that may answer 402 spends the user's credits.
                    operation["responses"]?["401"] is not null,
                    operation["responses"]?["402"] is not null));
            }
        }

        return operations;
    }

    /// <summary>
    /// A body of the schema's shape: every property the schema names, nested objects filled in the same way. Strings are
    /// stand-in text, so an operation that checks its values needs an example of its own; this fills what the example lacks.
    /// </summary>
    public static JsonObject DefaultBody(JsonObject schema)
    {
        var body = new JsonObject();
        foreach (var (name, property) in schema["properties"]?.AsObject() ?? [])
        {
            body[name] = DefaultValue(property!.AsObject());
        }

        return body;
    }

    private static JsonNode? DefaultValue(JsonObject schema) => Type(schema) switch
    {
        "object" => DefaultBody(schema),
        "array" => new JsonArray(),
        "boolean" => JsonValue.Create(true),
        "integer" or "number" => JsonValue.Create(1),
        "string" => JsonValue.Create("fuzz"),
        _ => new JsonObject(),
    };

    /// <summary>The schema's one non-null type: <c>["null", "string"]</c> is a string, <c>oneOf</c> a null or a $ref is the $ref.</summary>
    private static string? Type(JsonObject schema) => schema["type"] switch
    {
        JsonArray types => types.Select(t => t!.GetValue<string>()).FirstOrDefault(t => t != "null"),
        JsonValue type => type.GetValue<string>(),
        _ => schema["properties"] is not null ? "object" : null,
    };

    private static List<ApiParameter> Parameters(List<JsonObject> parameters, string location, JsonObject schemas) =>
        [.. parameters
            .Where(p => p["in"]!.GetValue<string>() == location)
            .Select(p =>
            {
                var schema = Resolve(p["schema"]?.AsObject() ?? [], schemas);
                return new ApiParameter(p["name"]!.GetValue<string>(), Type(schema) ?? "string", schema["format"]?.GetValue<string>());
            })];

    /// <summary>The schema with every <c>$ref</c> (and every <c>oneOf</c> of null and one schema) replaced by what it names.</summary>
    private static JsonObject Resolve(JsonObject schema, JsonObject schemas, int depth = 0)
    {
        if (depth > 16)
        {
            return [];
        }

        if (schema["$ref"]?.GetValue<string>() is { } reference)
        {
            var named = schemas[reference.Split('/')[^1]]?.AsObject() ?? [];
            return Resolve(named, schemas, depth + 1);
        }

        if (schema["oneOf"] is JsonArray choices
            && choices.Select(c => c!.AsObject()).FirstOrDefault(c => c["type"]?.ToString() != "null") is { } chosen)
        {
            return Resolve(chosen, schemas, depth + 1);
        }

        var resolved = schema.DeepClone().AsObject();
        if (resolved["properties"] is JsonObject properties)
        {
            foreach (var name in properties.Select(p => p.Key).ToList())
            {
                properties[name] = Resolve(properties[name]!.AsObject(), schemas, depth + 1);
            }
        }

        if (resolved["items"] is JsonObject items)
        {
            resolved["items"] = Resolve(items, schemas, depth + 1);
        }

        return resolved;
    }

    public static string Describe(IEnumerable<ApiOperation> operations) => string.Join(", ", operations.Select(o => o.Name));
}
