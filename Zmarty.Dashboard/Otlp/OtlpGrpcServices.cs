using Grpc.Core;
using Zmarty.Dashboard.Otlp.Proto.Collector.Logs;
using Zmarty.Dashboard.Otlp.Proto.Collector.Metrics;
using Zmarty.Dashboard.Otlp.Proto.Collector.Trace;

namespace Zmarty.Dashboard.Otlp;

/// <summary>OTLP/gRPC: the collector's three services, each handing the export to <see cref="OtlpIngestion"/>.</summary>
internal sealed class OtlpTraceService(OtlpIngestion ingestion) : TraceService.TraceServiceBase
{
    public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context) =>
        Task.FromResult(ingestion.Export(request));
}

internal sealed class OtlpLogsService(OtlpIngestion ingestion) : LogsService.LogsServiceBase
{
    public override Task<ExportLogsServiceResponse> Export(ExportLogsServiceRequest request, ServerCallContext context) =>
        Task.FromResult(ingestion.Export(request));
}

internal sealed class OtlpMetricsService(OtlpIngestion ingestion) : MetricsService.MetricsServiceBase
{
    public override Task<ExportMetricsServiceResponse> Export(ExportMetricsServiceRequest request, ServerCallContext context) =>
        Task.FromResult(ingestion.Export(request));
}
