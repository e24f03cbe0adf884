using Microsoft.AspNetCore.Http.HttpResults;

namespace Zmarty.Dashboard.Telemetry;

/// <summary>
/// The dashboard's query layer as JSON, behind the login like the pages: what scripts and tests use
/// to find a trace or a log record without a browser.
/// </summary>
internal static class TelemetryApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/telemetry");
        api.MapGet("/resources", (TelemetryStore store) => TypedResults.Ok(store.Resources()));
        api.MapGet("/logs", Logs);
        api.MapGet("/traces", (TelemetryStore store, string? resource, string? text, int? limit) =>
            TypedResults.Ok(store.Traces(resource, text, Math.Clamp(limit ?? 100, 1, 1000)).Select(TraceRow.Of)));
        api.MapGet("/traces/{traceId}", Trace);
        api.MapGet("/metrics", (TelemetryStore store, string resource) => TypedResults.Ok(store.Instruments(resource)));
        api.MapGet("/metrics/{resource}/{instrument}", (TelemetryStore store, string resource, string instrument, int? minutes) =>
            TypedResults.Ok(store.Points(resource, instrument, DateTimeOffset.UtcNow.AddMinutes(-Math.Clamp(minutes ?? 5, 1, 60)))));
    }

    private static Results<Ok<IReadOnlyList<LogEntry>>, BadRequest<string>> Logs(
        TelemetryStore store, string? resource, string? level, string? text, int? limit)
    {
        var minimum = LogLevel.Trace;
        if (level is not null && !Enum.TryParse(level, ignoreCase: true, out minimum))
        {
            return TypedResults.BadRequest($"level must be one of {string.Join(", ", Enum.GetNames<LogLevel>())}, not '{level}'.");
        }

        return TypedResults.Ok(store.Logs(resource, minimum, text, Math.Clamp(limit ?? 100, 1, 1000)));
    }

    private static Results<Ok<IReadOnlyList<SpanEntry>>, NotFound<string>> Trace(TelemetryStore store, string traceId) =>
        store.Trace(traceId) is { Count: > 0 } spans
            ? TypedResults.Ok(spans)
            : TypedResults.NotFound($"No span of trace {traceId} is kept.");

    /// <summary>A trace list row without its root span's attributes.</summary>
    private sealed record TraceRow(string TraceId, string Name, string Resource, IReadOnlyList<string> Resources, DateTimeOffset Start, double DurationMs, int Spans, int Errors)
    {
        public static TraceRow Of(TraceSummary trace) => new(
            trace.TraceId, trace.Root.Name, trace.Root.Resource, trace.Resources, trace.Start, trace.Duration.TotalMilliseconds, trace.SpanCount, trace.ErrorCount);
    }
}
