using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Zmarty.Dashboard;

/// <summary>The <c>Dashboard</c> section; the AppHost sets each of these as <c>Dashboard__…</c> variables.</summary>
public sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    /// <summary>The one-time token of the login link the AppHost prints (<c>/login?t=…</c>).</summary>
    [Required]
    public string BrowserToken { get; set; } = "";

    [ValidateObjectMembers]
    public OtlpOptions Otlp { get; set; } = new();

    [ValidateObjectMembers]
    public ResourceServiceOptions ResourceService { get; set; } = new();

    [ValidateObjectMembers]
    public TelemetryLimits Telemetry { get; set; } = new();
}

/// <summary>Where the OTLP receivers listen: loopback addresses only.</summary>
public sealed class OtlpOptions
{
    /// <summary>OTLP/gRPC (HTTP/2 without TLS), e.g. <c>http://127.0.0.1:18889</c>.</summary>
    [Required]
    public string GrpcUrl { get; set; } = "";

    /// <summary>OTLP/HTTP with protobuf bodies (<c>/v1/traces</c>, <c>/v1/logs</c>, <c>/v1/metrics</c>), e.g. <c>http://127.0.0.1:18890</c>.</summary>
    [Required]
    public string HttpUrl { get; set; } = "";

    /// <summary>Larger requests are refused (OTLP's 413 over HTTP, RESOURCE_EXHAUSTED over gRPC).</summary>
    [Range(1024, 256 * 1024 * 1024)]
    public int MaxRequestBytes { get; set; } = 4 * 1024 * 1024;
}

/// <summary>The AppHost's resource service (Protos/resource_service.proto).</summary>
public sealed class ResourceServiceOptions
{
    /// <summary>Empty when the dashboard runs without an AppHost: the resource pages then say so.</summary>
    public string Url { get; set; } = "";

    public string Key { get; set; } = "";
}

/// <summary>Telemetry is kept in memory, per resource; past a limit the oldest goes first and is counted as dropped.</summary>
public sealed class TelemetryLimits
{
    [Range(1, 10_000_000)]
    public int MaxLogRecordsPerResource { get; set; } = 10_000;

    [Range(1, 10_000_000)]
    public int MaxSpansPerResource { get; set; } = 10_000;

    [Range(1, 10_000_000)]
    public int MaxMetricPointsPerResource { get; set; } = 50_000;
}
