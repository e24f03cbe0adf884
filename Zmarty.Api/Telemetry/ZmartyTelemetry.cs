using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Zmarty.Api.Telemetry;

/// <summary>
/// The Api's own spans and metrics. The source and meter are named after the application, which is
/// what ServiceDefaults subscribes to, so they join the request's trace.
/// </summary>
public static class ZmartyTelemetry
{
    public const string Name = "Zmarty.Api";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);
}
