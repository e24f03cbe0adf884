namespace Zmarty.Dashboard.Telemetry;

// SKELETON (helper "telemetry" replaces this): OTLP receivers, the bounded store, the query API.
internal static class TelemetryExtensions
{
    public static void AddTelemetry(this WebApplicationBuilder builder)
    {
    }

    public static void MapOtlpReceivers(this WebApplication app)
    {
    }

    public static void MapTelemetryApi(this WebApplication app)
    {
    }
}
