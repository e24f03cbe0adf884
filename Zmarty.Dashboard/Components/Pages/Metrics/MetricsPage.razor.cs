using System.Globalization;
using Zmarty.Dashboard.Components.Shared;
using Zmarty.Dashboard.Telemetry;

namespace Zmarty.Dashboard.Components.Pages.Metrics;

/// <summary>A resource's instruments, and a chart of one over the last minutes, a line per attribute set.</summary>
public sealed partial class MetricsPage : TelemetryPage
{
    private const int Width = 800;
    private const int Height = 240;
    private const int MaxSeries = 8;

    private static readonly string[] s_colours = ["#0f6cbd", "#c50f1f", "#107c10", "#8764b8", "#ca5010", "#038387", "#986f0b", "#e3008c"];

    private string Resource { get; set; } = "";

    private int Minutes { get; set; } = 5;

    private string? Selected { get; set; }

    private List<string> Resources { get; set; } = [];

    private IReadOnlyList<Instrument> Instruments { get; set; } = [];

    private ChartData? Chart { get; set; }

    protected override void Read()
    {
        Resources = [.. Store.Resources().Select(r => r.Resource)];
        Instruments = Resource.Length == 0 ? [] : Store.Instruments(Resource);
        var instrument = Instruments.FirstOrDefault(i => i.Name == Selected);
        Chart = instrument is null
            ? null
            : ChartData.Of(instrument, Store.Points(Resource, instrument.Name, DateTimeOffset.UtcNow.AddMinutes(-Minutes)), Minutes);
    }

    private void Select(string instrument)
    {
        Selected = instrument;
        ReadNow();
    }

    private sealed record Series(string Name, string Points, double Last);

    private sealed record ChartData(Instrument Instrument, IReadOnlyList<Series> Series, double Min, double Max)
    {
        /// <summary>SVG coordinates: time across the last <paramref name="minutes"/>, value from the smallest to the largest shown.</summary>
        public static ChartData Of(Instrument instrument, IReadOnlyList<MetricPoint> points, int minutes)
        {
            var end = DateTimeOffset.UtcNow;
            var span = TimeSpan.FromMinutes(minutes).Ticks;
            var min = points.Count == 0 ? 0 : points.Min(p => p.Value);
            var max = points.Count == 0 ? 1 : points.Max(p => p.Value);
            var range = max - min is > 0 and var r ? r : 1;
            var series = points
                .GroupBy(p => p.Series, StringComparer.Ordinal)
                .Take(MaxSeries)
                .Select(g => new Series(
                    g.Key,
                    string.Join(' ', g.Select(p => string.Create(CultureInfo.InvariantCulture,
                        $"{Width * (1 - (double)(end - p.Time).Ticks / span):0.#},{Height - (Height - 4) * (p.Value - min) / range - 2:0.#}"))),
                    g.Last().Value))
                .ToList();
            return new ChartData(instrument, series, min, max);
        }
    }
}
