using Zmarty.Dashboard.Components.Shared;
using Zmarty.Dashboard.Telemetry;

namespace Zmarty.Dashboard.Components.Pages.Traces;

/// <summary>The traces kept, newest first: spans of every resource grouped by trace id.</summary>
public sealed partial class TracesPage : TelemetryPage
{
    private const int MaxShown = 2000;

    private string Resource { get; set; } = "";

    private string Text { get; set; } = "";

    private List<string> Resources { get; set; } = [];

    private List<TraceSummary> Shown { get; set; } = [];

    protected override void Read()
    {
        Resources = [.. Store.Resources().Select(r => r.Resource)];
        Shown = [.. Store.Traces(Resource.Length == 0 ? null : Resource, Text, MaxShown)];
    }
}
