using System.Net;
using Microsoft.Extensions.Options;

namespace Zmarty.Dashboard;

/// <summary>The <c>Dashboard</c> section; the AppHost sets each of these as <c>Dashboard__…</c> variables.</summary>
public sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    /// <summary>The one-time token of the login link the AppHost prints (<c>/login?t=…</c>).</summary>
    public string BrowserToken { get; set; } = "";

    public OtlpOptions Otlp { get; set; } = new();

    public ResourceServiceOptions ResourceService { get; set; } = new();

    public TelemetryLimits Telemetry { get; set; } = new();
}

/// <summary>Where the OTLP receivers listen: loopback addresses only.</summary>
public sealed class OtlpOptions
{
    /// <summary>OTLP/gRPC (HTTP/2 without TLS), e.g. <c>http://127.0.0.1:18889</c>.</summary>
    public string GrpcUrl { get; set; } = "";

    /// <summary>OTLP/HTTP with protobuf bodies (<c>/v1/traces</c>, <c>/v1/logs</c>, <c>/v1/metrics</c>), e.g. <c>http://127.0.0.1:18890</c>.</summary>
    public string HttpUrl { get; set; } = "";

    /// <summary>Larger requests are refused (413 over HTTP, RESOURCE_EXHAUSTED over gRPC).</summary>
    public int MaxRequestBytes { get; set; } = 4 * 1024 * 1024;

    public Uri Grpc => new(GrpcUrl);

    public Uri Http => new(HttpUrl);
}

/// <summary>The AppHost's resource service (Resources/resource_service.proto); unset when the dashboard runs on its own.</summary>
public sealed class ResourceServiceOptions
{
    public string Url { get; set; } = "";

    public string Key { get; set; } = "";
}

/// <summary>Telemetry is kept in memory, per resource; past a limit the oldest goes first and is counted as dropped.</summary>
public sealed class TelemetryLimits
{
    public int MaxLogRecordsPerResource { get; set; } = 10_000;

    public int MaxSpansPerResource { get; set; } = 10_000;

    public int MaxMetricPointsPerResource { get; set; } = 50_000;
}

public sealed class DashboardOptionsValidator : IValidateOptions<DashboardOptions>
{
    private const int MaxItems = 10_000_000;

    public ValidateOptionsResult Validate(string? name, DashboardOptions options)
    {
        List<string> failures = [];
        if (options.BrowserToken.Length < 16)
        {
            failures.Add("Dashboard:BrowserToken must be set, at least 16 characters (the AppHost makes one per run).");
        }

        Loopback(options.Otlp.GrpcUrl, "Dashboard:Otlp:GrpcUrl", failures);
        if (options.ResourceService.Url.Length > 0)
        {
            Loopback(options.ResourceService.Url, "Dashboard:ResourceService:Url", failures);
        }

        Loopback(options.Otlp.HttpUrl, "Dashboard:Otlp:HttpUrl", failures);
        Between(options.Otlp.MaxRequestBytes, 1024, int.MaxValue, "Dashboard:Otlp:MaxRequestBytes", failures);
        Between(options.Telemetry.MaxLogRecordsPerResource, 1, MaxItems, "Dashboard:Telemetry:MaxLogRecordsPerResource", failures);
        Between(options.Telemetry.MaxSpansPerResource, 1, MaxItems, "Dashboard:Telemetry:MaxSpansPerResource", failures);
        Between(options.Telemetry.MaxMetricPointsPerResource, 1, MaxItems, "Dashboard:Telemetry:MaxMetricPointsPerResource", failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>
    /// Telemetry carries request data and is taken without a login, so it is only ever received from
    /// this machine; the resource service is the AppHost on this machine.
    /// </summary>
    private static void Loopback(string url, string key, List<string> failures)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || uri.IsDefaultPort)
        {
            failures.Add($"{key} is '{url}'; it must be an http URL with a port (not 80), e.g. http://127.0.0.1:18889.");
        }
        else if (!IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) || !IPAddress.IsLoopback(address))
        {
            failures.Add($"{key} is '{url}'; it must be a loopback address (127.0.0.1 or [::1]).");
        }
    }

    private static void Between(int value, int minimum, int maximum, string key, List<string> failures)
    {
        if (value < minimum || value > maximum)
        {
            failures.Add($"{key} is {value}; it must be from {minimum} to {maximum}.");
        }
    }
}
