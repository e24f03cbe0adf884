using System.Net;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Zmarty.Dashboard.Otlp;

namespace Zmarty.Dashboard.Telemetry;

internal static class TelemetryExtensions
{
    /// <summary>The store, the OTLP receivers, and the three listeners: the pages, OTLP/gRPC and OTLP/HTTP.</summary>
    public static void AddTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<TelemetryStore>();
        builder.Services.AddSingleton<OtlpIngestion>();
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        builder.Services.AddGrpc();
        builder.Services.AddOptions<Grpc.AspNetCore.Server.GrpcServiceOptions>()
            .Configure<IOptions<DashboardOptions>>((grpc, dashboard) => grpc.MaxReceiveMessageSize = dashboard.Value.Otlp.MaxRequestBytes);

        // Listening on one port explicitly replaces ASPNETCORE_URLS, so the pages' address is listened on here too.
        var pageUrls = (builder.Configuration["urls"] ?? "http://localhost:5000")
            .Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(url => url.Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal));
        builder.WebHost.UseUrls();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var otlp = kestrel.ApplicationServices.GetRequiredService<IOptions<DashboardOptions>>().Value.Otlp;
            foreach (var url in pageUrls)
            {
                Listen(kestrel, new Uri(url), HttpProtocols.Http1);
            }

            Listen(kestrel, otlp.Grpc, HttpProtocols.Http2);
            Listen(kestrel, otlp.Http, HttpProtocols.Http1);
        });
    }

    /// <summary>
    /// OTLP on its own ports, open without a login (they listen on loopback only), and nothing else
    /// there: the pages and the query API answer on the pages' port alone.
    /// </summary>
    public static void MapOtlpReceivers(this WebApplication app)
    {
        var otlp = app.Services.GetRequiredService<IOptions<DashboardOptions>>().Value.Otlp;
        var grpcHost = $"*:{otlp.Grpc.Port}";
        app.MapGrpcService<OtlpTraceService>().RequireHost(grpcHost).AllowAnonymous();
        app.MapGrpcService<OtlpLogsService>().RequireHost(grpcHost).AllowAnonymous();
        app.MapGrpcService<OtlpMetricsService>().RequireHost(grpcHost).AllowAnonymous();
        app.MapOtlpHttp().RequireHost($"*:{otlp.Http.Port}").AllowAnonymous();
    }

    /// <summary>Turns away, before authentication, any request on an OTLP port that is not an OTLP export.</summary>
    public static void UseOtlpPortsForOtlpOnly(this WebApplication app)
    {
        var otlp = app.Services.GetRequiredService<IOptions<DashboardOptions>>().Value.Otlp;
        int[] otlpPorts = [otlp.Grpc.Port, otlp.Http.Port];
        app.Use((context, next) =>
        {
            if (otlpPorts.Contains(context.Connection.LocalPort) && context.GetEndpoint()?.Metadata.GetMetadata<IHostMetadata>() is null)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            return next(context);
        });
    }

    public static void MapTelemetryApi(this WebApplication app) => TelemetryApi.Map(app);

    private static void Listen(KestrelServerOptions kestrel, Uri url, HttpProtocols protocols)
    {
        Action<Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions> configure = listen => listen.Protocols = protocols;
        switch (url.Host)
        {
            case "localhost":
                kestrel.ListenLocalhost(url.Port, configure);
                break;
            case "0.0.0.0":
                kestrel.ListenAnyIP(url.Port, configure);
                break;
            default:
                kestrel.Listen(IPAddress.Parse(url.Host.Trim('[', ']')), url.Port, configure);
                break;
        }
    }
}
