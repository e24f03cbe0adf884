using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Zmarty.Dashboard.Otlp.Proto.Collector.Logs;
using Zmarty.Dashboard.Otlp.Proto.Collector.Metrics;
using Zmarty.Dashboard.Otlp.Proto.Collector.Trace;

namespace Zmarty.Dashboard.Otlp;

// OTLP/gRPC: the collector's three services, each handing the export to OtlpIngestion. They are bound
// by hand rather than through Grpc.Tools' generated base classes, whose marshaller turns a body that
// does not parse into UNKNOWN; OTLP asks for INVALID_ARGUMENT, which tells the exporter not to retry.
// Grpc.AspNetCore finds a handler only if it is virtual and declared on the type BindService takes,
// hence classes that are not sealed and virtual Export methods.

[BindServiceMethod(typeof(OtlpTraceService), nameof(BindService))]
internal class OtlpTraceService(OtlpIngestion ingestion)
{
    public virtual Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context) =>
        Task.FromResult(ingestion.Export(request));

    public static void BindService(ServiceBinderBase binder, OtlpTraceService? service) =>
        binder.AddMethod(OtlpGrpc.Export<ExportTraceServiceRequest, ExportTraceServiceResponse>("trace", "TraceService"), service is null ? null : service.Export);
}

[BindServiceMethod(typeof(OtlpLogsService), nameof(BindService))]
internal class OtlpLogsService(OtlpIngestion ingestion)
{
    public virtual Task<ExportLogsServiceResponse> Export(ExportLogsServiceRequest request, ServerCallContext context) =>
        Task.FromResult(ingestion.Export(request));

    public static void BindService(ServiceBinderBase binder, OtlpLogsService? service) =>
        binder.AddMethod(OtlpGrpc.Export<ExportLogsServiceRequest, ExportLogsServiceResponse>("logs", "LogsService"), service is null ? null : service.Export);
}

[BindServiceMethod(typeof(OtlpMetricsService), nameof(BindService))]
internal class OtlpMetricsService(OtlpIngestion ingestion)
{
    public virtual Task<ExportMetricsServiceResponse> Export(ExportMetricsServiceRequest request, ServerCallContext context) =>
        Task.FromResult(ingestion.Export(request));

    public static void BindService(ServiceBinderBase binder, OtlpMetricsService? service) =>
        binder.AddMethod(OtlpGrpc.Export<ExportMetricsServiceRequest, ExportMetricsServiceResponse>("metrics", "MetricsService"), service is null ? null : service.Export);
}

internal static class OtlpGrpc
{
    /// <summary><c>opentelemetry.proto.collector.SIGNAL.v1.SERVICE/Export</c>, whose request marshaller refuses a bad body with INVALID_ARGUMENT.</summary>
    public static Method<TRequest, TResponse> Export<TRequest, TResponse>(string signal, string service)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>, new()
    {
        var requestParser = new MessageParser<TRequest>(() => new TRequest());
        var responseParser = new MessageParser<TResponse>(() => new TResponse());
        return new Method<TRequest, TResponse>(
            MethodType.Unary,
            $"opentelemetry.proto.collector.{signal}.v1.{service}",
            "Export",
            Marshallers.Create(request => request.ToByteArray(), bytes => Parse(requestParser, bytes)),
            Marshallers.Create(response => response.ToByteArray(), responseParser.ParseFrom));
    }

    private static TRequest Parse<TRequest>(MessageParser<TRequest> parser, byte[] bytes)
        where TRequest : IMessage<TRequest>
    {
        try
        {
            return parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, $"Not a valid {typeof(TRequest).Name}: {ex.Message}"));
        }
    }
}
