using System.Globalization;
using Microsoft.AspNetCore.Components;
using Zmarty.Dashboard.Components.Shared;
using Zmarty.Dashboard.Telemetry;

namespace Zmarty.Dashboard.Components.Pages.Traces;

/// <summary>One trace as a waterfall across services: each span under its parent, placed by its start and duration.</summary>
public sealed partial class TraceDetailPage : TelemetryPage
{
    [Parameter]
    public required string TraceId { get; set; }

    private IReadOnlyList<WaterfallRow> Waterfall { get; set; } = [];

    private TimeSpan Duration { get; set; }

    private SpanEntry? Selected { get; set; }

    protected override void Read()
    {
        Waterfall = WaterfallRow.Layout(Store.Trace(TraceId));
        Duration = Waterfall.Count == 0 ? TimeSpan.Zero : Waterfall.Max(w => w.Span.End) - Waterfall.Min(w => w.Span.Start);
    }

    private static string Percent(double fraction) => (fraction * 100).ToString("0.###", CultureInfo.InvariantCulture);
}

/// <summary>A span's place in the waterfall: its depth under its parent, and its offset and width as fractions of the trace.</summary>
public sealed record WaterfallRow(SpanEntry Span, int Depth, double Offset, double Width)
{
    /// <summary>A bar narrower than this would not show: a 50 μs query inside a 2 s request.</summary>
    private const double MinimumWidth = 0.002;

    /// <summary>Depth-first from the roots, children by start; a span whose parent is not kept is a root.</summary>
    public static IReadOnlyList<WaterfallRow> Layout(IReadOnlyList<SpanEntry> spans)
    {
        if (spans.Count == 0)
        {
            return [];
        }

        var start = spans.Min(s => s.Start);
        var total = Math.Max((spans.Max(s => s.End) - start).Ticks, 1);
        var ids = spans.Select(s => s.SpanId).ToHashSet(StringComparer.Ordinal);
        var children = spans
            .Where(s => s.ParentSpanId is not null && ids.Contains(s.ParentSpanId))
            .ToLookup(s => s.ParentSpanId!, StringComparer.Ordinal);
        var rows = new List<WaterfallRow>(spans.Count);

        void Add(SpanEntry span, int depth)
        {
            var offset = (double)(span.Start - start).Ticks / total;
            rows.Add(new WaterfallRow(span, depth, offset, Math.Clamp((double)span.Duration.Ticks / total, MinimumWidth, 1 - offset)));
            foreach (var child in children[span.SpanId].OrderBy(c => c.Start))
            {
                Add(child, depth + 1);
            }
        }

        foreach (var root in spans.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)).OrderBy(s => s.Start))
        {
            Add(root, 0);
        }

        return rows;
    }
}
