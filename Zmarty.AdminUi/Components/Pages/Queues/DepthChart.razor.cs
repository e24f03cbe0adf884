using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Components;
using Zmarty.AdminUi.Data;

namespace Zmarty.AdminUi.Components.Pages.Queues;

/// <summary>A queue's depth over the last hour as an SVG line: no script, so it renders the same in every tab and in tests.</summary>
public sealed partial class DepthChart
{
    private const int Width = 600;
    private const int Height = 100;

    private string _points = "";
    private long _max;

    [Parameter, EditorRequired]
    public required string Queue { get; set; }

    [Parameter, EditorRequired]
    public required IReadOnlyList<DepthSample> Samples { get; set; }

    [Parameter]
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(1);

    protected override void OnParametersSet() => (_points, _max) = Plot(Samples, Window);

    /// <summary>
    /// Polyline points for the samples in the window ending at the newest sample: x by time, y by
    /// depth (the top is the window's maximum, at least 1).
    /// </summary>
    internal static (string Points, long Max) Plot(IReadOnlyList<DepthSample> samples, TimeSpan window)
    {
        if (samples.Count == 0)
        {
            return ("", 0);
        }

        var end = samples[^1].At;
        var start = end - window;
        var shown = samples.Where(s => s.At >= start).ToList();
        var max = Math.Max(1, shown.Max(s => s.Depth));
        var points = new StringBuilder();
        foreach (var sample in shown)
        {
            var x = (sample.At - start) / window * Width;
            var y = Height - ((double)sample.Depth / max * (Height - 4));
            points.Append(CultureInfo.InvariantCulture, $"{x:0.#},{y:0.#} ");
        }

        return (points.ToString().TrimEnd(), shown.Max(s => s.Depth));
    }
}
