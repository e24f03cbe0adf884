using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Zmarty.Dashboard.Otlp.Proto.Collector.Trace;
using Google.Protobuf;

namespace Zmarty.Tests.Dashboard;

/// <summary>
/// The dashboard's OTLP receivers, fed by the real OpenTelemetry .NET SDK over both transports,
/// and what they do with bad input; read back through the dashboard's own query API.
/// </summary>
public sealed class OtlpReceiverTests(DashboardFixture dashboard) : IClassFixture<DashboardFixture>
{
    private HttpClient Query => dashboard.Query;

    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task A_trace_across_two_services_and_its_logs_are_received_and_found(OtlpExportProtocol protocol)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var (front, back) = ($"front-{run}", $"back-{run}");
        // One source per service, as two processes would each have their own.
        using var frontSource = new ActivitySource($"Zmarty.Tests.{front}");
        using var backSource = new ActivitySource($"Zmarty.Tests.{back}");
        string traceId;
        using (var frontTracer = Tracer(front, frontSource.Name, protocol))
        using (var backTracer = Tracer(back, backSource.Name, protocol))
        using (var logs = Logs(back, protocol))
        {
            ActivityContext handedOver;
            using (var request = frontSource.StartActivity("GET /chat", ActivityKind.Server)!)
            {
                request.SetTag("http.route", "/chat");
                traceId = request.TraceId.ToHexString();
                handedOver = request.Context;
            }

            // The back service continues the trace it was handed, as a traceparent header does across processes.
            using (var query = backSource.StartActivity("select context", ActivityKind.Client, handedOver)!)
            {
                query.SetTag("db.system", "postgresql");
                query.SetStatus(ActivityStatusCode.Error, "connection reset");
                logs.CreateLogger("Zmarty.Tests").LogWarning("Context read failed for {symbol}", "BTC/USDT");
            }

            Assert.True(frontTracer.ForceFlush(10_000) && backTracer.ForceFlush(10_000));
        }

        var trace = await Query.GetFromJsonAsync<JsonElement>($"/api/telemetry/traces/{traceId}");
        Assert.Equal([front, back], trace.EnumerateArray().Select(s => s.GetProperty("resource").GetString()));
        Assert.Equal(trace[0].GetProperty("spanId").GetString(), trace[1].GetProperty("parentSpanId").GetString());
        Assert.Contains(trace[0].GetProperty("attributes").EnumerateArray(), a => a.GetProperty("key").GetString() == "http.route");
        Assert.True(trace[1].GetProperty("isError").GetBoolean());

        var list = await Query.GetFromJsonAsync<JsonElement>($"/api/telemetry/traces?resource={back}");
        var row = Assert.Single(list.EnumerateArray());
        Assert.Equal("GET /chat", row.GetProperty("name").GetString());
        Assert.Equal(2, row.GetProperty("spans").GetInt32());
        Assert.Equal(1, row.GetProperty("errors").GetInt32());

        var log = Assert.Single((await Query.GetFromJsonAsync<JsonElement>($"/api/telemetry/logs?resource={back}")).EnumerateArray());
        Assert.Equal("Warning", log.GetProperty("level").GetString());
        Assert.Equal("Context read failed for BTC/USDT", log.GetProperty("message").GetString());
        Assert.Equal(traceId, log.GetProperty("traceId").GetString());
        Assert.Contains(log.GetProperty("attributes").EnumerateArray(), a => a.GetProperty("value").GetString() == "BTC/USDT");
    }

    [Fact]
    public async Task Bad_bodies_over_http_get_the_otlp_status_and_the_receiver_keeps_taking_exports()
    {
        using var http = new HttpClient { BaseAddress = dashboard.HttpUrl };

        using (var garbage = await http.PostAsync("/v1/traces", Protobuf([0xFF, 0xFF, 0xFF, 0x01, 0x02])))
        {
            Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
            var status = Zmarty.Dashboard.Otlp.Proto.Rpc.Status.Parser.ParseFrom(await garbage.Content.ReadAsByteArrayAsync());
            Assert.StartsWith("The body is not a valid ExportTraceServiceRequest", status.Message, StringComparison.Ordinal);
        }

        using (var oversize = await http.PostAsync("/v1/logs", Protobuf(new byte[5 * 1024 * 1024])))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversize.StatusCode);
        }

        using (var json = await http.PostAsync("/v1/metrics", JsonContent.Create(new { resourceMetrics = Array.Empty<object>() })))
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        }

        using var valid = await http.PostAsync("/v1/traces", Protobuf(new ExportTraceServiceRequest().ToByteArray()));
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
    }

    [Fact]
    public async Task Bad_messages_over_grpc_get_the_grpc_status_and_the_receiver_keeps_taking_exports()
    {
        Assert.Equal("3", await GrpcStatusAsync([0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]));
        Assert.Equal("8", await GrpcStatusAsync(new byte[5 * 1024 * 1024]));
        Assert.Equal("0", await GrpcStatusAsync(new ExportTraceServiceRequest().ToByteArray()));
    }

    [Fact]
    public async Task Without_the_login_the_pages_redirect_and_the_query_api_answers_401()
    {
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = dashboard.PagesUrl };
        using var page = new HttpRequestMessage(HttpMethod.Get, "/traces");
        page.Headers.Accept.ParseAdd("text/html");

        using var pageResponse = await anonymous.SendAsync(page);
        using var api = await anonymous.GetAsync("/api/telemetry/resources");
        using var used = await anonymous.GetAsync(dashboard.App.DashboardLoginUrl);

        Assert.Equal(HttpStatusCode.Redirect, pageResponse.StatusCode);
        Assert.StartsWith("/login", pageResponse.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        // The fixture's client has used this run's link already: it works once.
        Assert.Equal(HttpStatusCode.Unauthorized, used.StatusCode);
    }

    [Fact]
    public async Task The_otlp_ports_take_otlp_only_and_the_pages_port_takes_no_export()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });

        using var pageOnOtlpPort = await http.GetAsync(new Uri(dashboard.HttpUrl, "/api/telemetry/resources"));
        using var exportOnPagesPort = await http.PostAsync(new Uri(dashboard.PagesUrl, "/v1/traces"), Protobuf([]));

        Assert.Equal(HttpStatusCode.NotFound, pageOnOtlpPort.StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, exportOnPagesPort.StatusCode);
    }

    /// <summary>One unary gRPC call written by hand (length-prefixed message, HTTP/2), to send what no client would.</summary>
    private async Task<string?> GrpcStatusAsync(byte[] message)
    {
        using var http = new HttpClient();
        var frame = new byte[5 + message.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), message.Length);
        message.CopyTo(frame, 5);
        using var content = new ByteArrayContent(frame);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(dashboard.GrpcUrl, "/opentelemetry.proto.collector.trace.v1.TraceService/Export"))
        {
            Content = content,
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.TryAddWithoutValidation("te", "trailers");
        using var response = await http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        return response.TrailingHeaders.TryGetValues("grpc-status", out var trailer) ? trailer.Single()
            : response.Headers.TryGetValues("grpc-status", out var header) ? header.Single()
            : $"no grpc-status: HTTP {(int)response.StatusCode} {response.Version}";
    }

    private static ByteArrayContent Protobuf(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        return content;
    }

    private TracerProvider Tracer(string service, string source, OtlpExportProtocol protocol) =>
        Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService(service))
            .AddSource(source)
            .AddOtlpExporter(otlp => Configure(otlp, protocol, "/v1/traces"))
            .Build()!;

    private ILoggerFactory Logs(string service, OtlpExportProtocol protocol) =>
        LoggerFactory.Create(logging => logging.AddOpenTelemetry(otel =>
        {
            otel.SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService(service));
            otel.IncludeFormattedMessage = true;
            otel.AddOtlpExporter(otlp => Configure(otlp, protocol, "/v1/logs"));
        }));

    /// <summary>Over HTTP the SDK posts to the endpoint as given in code, so the signal's path is part of it.</summary>
    private void Configure(OtlpExporterOptions otlp, OtlpExportProtocol protocol, string path)
    {
        otlp.Protocol = protocol;
        otlp.Endpoint = protocol == OtlpExportProtocol.Grpc ? dashboard.GrpcUrl : new Uri(dashboard.HttpUrl, path);
        otlp.ExportProcessorType = ExportProcessorType.Simple;
    }
}
