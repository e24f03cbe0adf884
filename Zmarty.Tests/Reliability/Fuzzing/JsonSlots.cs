using System.Text;
using System.Text.Json.Nodes;

namespace Zmarty.Tests.Reliability.Fuzzing;

/// <summary>
/// A valid body with raw bytes spliced in where one of its values was: the bytes need not be JSON a serializer would
/// write (<c>1e400</c>, a lone surrogate as raw UTF-8, 20,000 brackets), so they replace a marker in the written text.
/// </summary>
internal static class JsonSlots
{
    private static string MarkerOf(int slot) => $"@@fuzz-slot-{slot}@@";

    /// <summary>Every value in <paramref name="body"/>, at any depth, by its path (<c>context.symbols[0]</c>).</summary>
    public static IReadOnlyList<string> Paths(JsonObject body)
    {
        var paths = new List<string>();
        Collect(body, "", paths);
        return paths;
    }

    private static void Collect(JsonNode? node, string path, List<string> paths)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    var child = path.Length == 0 ? name : $"{path}.{name}";
                    paths.Add(child);
                    Collect(value, child, paths);
                }

                break;
            case JsonArray { Count: > 0 } array:
                paths.Add($"{path}[0]");
                Collect(array[0], $"{path}[0]", paths);
                break;
        }
    }

    /// <summary><paramref name="body"/> written as UTF-8, with each slot's bytes as the value at its path.</summary>
    public static byte[] Replace(JsonObject body, params (string Path, byte[] Value)[] slots)
    {
        var copy = body.DeepClone().AsObject();
        for (var i = 0; i < slots.Length; i++)
        {
            var (parent, key) = Locate(copy, slots[i].Path);
            if (key is int index)
            {
                parent.AsArray()[index] = MarkerOf(i);
            }
            else
            {
                parent.AsObject()[(string)key] = MarkerOf(i);
            }
        }

        var text = Encoding.UTF8.GetBytes(copy.ToJsonString());
        for (var i = 0; i < slots.Length; i++)
        {
            text = Splice(text, Encoding.UTF8.GetBytes($"\"{MarkerOf(i)}\""), slots[i].Value);
        }

        return text;
    }

    /// <summary><paramref name="body"/> with its member <paramref name="name"/> written again, as <paramref name="value"/>.</summary>
    public static byte[] Duplicate(JsonObject body, string name, byte[] value)
    {
        var text = body.ToJsonString();
        var separator = body.Count == 0 ? "" : ",";
        var prefix = Encoding.UTF8.GetBytes($"{text[..^1]}{separator}\"{name}\":");
        return [.. prefix, .. value, (byte)'}'];
    }

    /// <summary>The first string value in <paramref name="body"/>, depth first; null when it has none.</summary>
    public static string? FirstStringPath(JsonObject body) => Paths(body).FirstOrDefault(p => IsString(body, p));

    public static bool IsString(JsonObject body, string path) =>
        Locate(body, path) is var (parent, key)
        && (key is int index ? parent.AsArray()[index] : parent.AsObject()[(string)key]) is JsonValue value
        && value.TryGetValue<string>(out _);

    private static (JsonNode Parent, object Key) Locate(JsonObject body, string path)
    {
        JsonNode node = body;
        var segments = path.Replace("[", ".[", StringComparison.Ordinal).Split('.', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < segments.Length - 1; i++)
        {
            node = Step(node, segments[i]) ?? throw new ArgumentException($"{path} is not in the body.", nameof(path));
        }

        var last = segments[^1];
        return last.StartsWith('[') ? (node, int.Parse(last[1..^1], System.Globalization.CultureInfo.InvariantCulture)) : (node, last);
    }

    private static JsonNode? Step(JsonNode node, string segment) =>
        segment.StartsWith('[')
            ? node.AsArray()[int.Parse(segment[1..^1], System.Globalization.CultureInfo.InvariantCulture)]
            : node.AsObject()[segment];

    private static byte[] Splice(byte[] text, byte[] marker, byte[] value)
    {
        var at = text.AsSpan().IndexOf(marker);
        return [.. text.AsSpan(0, at), .. value, .. text.AsSpan(at + marker.Length)];
    }
}
