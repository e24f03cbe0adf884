using System.IO.Compression;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using Zmarty.Dashboard.Otlp.Proto.Collector.Logs;
using Zmarty.Dashboard.Otlp.Proto.Collector.Metrics;
using Zmarty.Dashboard.Otlp.Proto.Collector.Trace;

namespace Zmarty.Dashboard.Otlp;

/// <summary>
/// OTLP/HTTP with binary protobuf bodies (the OTLP specification's "OTLP/HTTP"): 200 with the export
/// response; 400, 413 or 415 with a google.rpc.Status body saying what was wrong. JSON bodies are
/// not taken (415): the .NET, Go, Java and Python exporters send protobuf by default.
/// </summary>
internal static class OtlpHttpApi
{
    private const string Protobuf = "application/x-protobuf";

    public static RouteGroupBuilder MapOtlpHttp(this IEndpointRouteBuilder app)
    {
        var otlp = app.MapGroup("/v1");
        otlp.MapPost("/traces", (HttpContext context, OtlpIngestion ingestion, IOptions<DashboardOptions> options) =>
            ExportAsync(context, options.Value.Otlp, ExportTraceServiceRequest.Parser, ingestion.Export));
        otlp.MapPost("/logs", (HttpContext context, OtlpIngestion ingestion, IOptions<DashboardOptions> options) =>
            ExportAsync(context, options.Value.Otlp, ExportLogsServiceRequest.Parser, ingestion.Export));
        otlp.MapPost("/metrics", (HttpContext context, OtlpIngestion ingestion, IOptions<DashboardOptions> options) =>
            ExportAsync(context, options.Value.Otlp, ExportMetricsServiceRequest.Parser, ingestion.Export));
        return otlp;
    }

    private static async Task<IResult> ExportAsync<TRequest, TResponse>(
        HttpContext context, OtlpOptions options, MessageParser<TRequest> parser, Func<TRequest, TResponse> export)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        if (!string.Equals(context.Request.ContentType?.Split(';')[0].Trim(), Protobuf, StringComparison.OrdinalIgnoreCase))
        {
            return Failure(StatusCodes.Status415UnsupportedMediaType, $"Content-Type must be {Protobuf}, not '{context.Request.ContentType}'.");
        }

        TRequest request;
        try
        {
            if (await ReadAsync(context.Request, options.MaxRequestBytes, context.RequestAborted) is not { } body)
            {
                return Failure(StatusCodes.Status413PayloadTooLarge, $"The request is over {options.MaxRequestBytes} bytes (Dashboard:Otlp:MaxRequestBytes).");
            }

            request = parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException ex)
        {
            return Failure(StatusCodes.Status400BadRequest, $"The body is not a valid {typeof(TRequest).Name}: {ex.Message}");
        }
        catch (InvalidDataException ex)
        {
            return Failure(StatusCodes.Status400BadRequest, $"The gzip body cannot be decompressed: {ex.Message}");
        }

        return new ProtobufResult(StatusCodes.Status200OK, export(request));
    }

    /// <summary>The (decompressed) body, or null when it is over <paramref name="limit"/>.</summary>
    private static async Task<byte[]?> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        var gzip = string.Equals(request.Headers.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase);
        await using var source = gzip ? new GZipStream(request.Body, CompressionMode.Decompress) : request.Body;
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await source.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>The error body OTLP/HTTP gives: a google.rpc.Status, with the gRPC code that matches the HTTP status.</summary>
    private static ProtobufResult Failure(int status, string message) =>
        new(status, new Proto.Rpc.Status { Code = status == StatusCodes.Status413PayloadTooLarge ? 8 : 3, Message = message });

    private sealed class ProtobufResult(int status, IMessage message) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            httpContext.Response.ContentType = Protobuf;
            await httpContext.Response.Body.WriteAsync(message.ToByteArray());
        }
    }
}
