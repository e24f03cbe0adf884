using Microsoft.FluentUI.AspNetCore.Components;
using Zmarty.Dashboard.Components.Shared;
using Zmarty.Dashboard.Telemetry;

namespace Zmarty.Dashboard.Components.Pages.StructuredLogs;

/// <summary>Every service's log records, newest first, filtered by resource, minimum level and text.</summary>
public sealed partial class StructuredLogsPage : TelemetryPage
{
    private const int MaxShown = 5000;

    private static readonly LogLevel[] s_levels = [LogLevel.Trace, LogLevel.Debug, LogLevel.Information, LogLevel.Warning, LogLevel.Error, LogLevel.Critical];

    private string Resource { get; set; } = "";

    private LogLevel Level { get; set; } = LogLevel.Trace;

    private string Text { get; set; } = "";

    private List<string> Resources { get; set; } = [];

    private List<LogEntry> Shown { get; set; } = [];

    private LogEntry? Selected { get; set; }

    protected override void Read()
    {
        Resources = [.. Store.Resources().Select(r => r.Resource)];
        Shown = [.. Store.Logs(Resource.Length == 0 ? null : Resource, Level, Text, MaxShown)];
    }

    private static BadgeColor BadgeOf(LogLevel level) => level switch
    {
        >= LogLevel.Error => BadgeColor.Danger,
        LogLevel.Warning => BadgeColor.Warning,
        LogLevel.Information => BadgeColor.Informative,
        _ => BadgeColor.Subtle,
    };
}
