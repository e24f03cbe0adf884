using System.Text.Json;

namespace Zmarty.Worker.Ingestion;

/// <summary>How the pipeline writes jsonb: snake_case keys, as the tables' other columns are named.</summary>
internal static class JsonOptions
{
    public static readonly JsonSerializerOptions Snake = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
