using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Zmarty.ServiceDefaults.ErrorLog;

/// <summary>
/// Drains the <see cref="ErrorLogSink"/> into <c>ops.error_log</c> of B in batches: one insert per
/// batch. A batch that fails (B down, slow, or refusing) is dropped and counted, not retried, so
/// an outage costs memory only up to the sink's capacity and the loggers never wait.
/// </summary>
public sealed partial class ErrorLogWriter(
    ErrorLogSink sink,
    IServiceProvider services,
    IOptions<ErrorLogOptions> options,
    ILogger<ErrorLogWriter> logger) : BackgroundService
{
    /// <summary>This writer's log category; the sink ignores it, so a failing write cannot log into itself.</summary>
    public const string Category = "Zmarty.ServiceDefaults.ErrorLog";

    private const string Insert = """
        insert into ops.error_log (at, service, level, message, exception, trace_id, properties)
        select * from unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[])
        """;

    private readonly ErrorLogOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var trading = services.GetKeyedService<NpgsqlDataSource>(ErrorLogExtensions.DataSourceName);
        if (trading is null)
        {
            LogNoDataSource(logger, ErrorLogExtensions.DataSourceName);
            sink.Complete();
            return;
        }

        var batch = new List<ErrorLogEntry>(_options.BatchSize);
        var summaries = ReleaseSummariesAsync(stoppingToken);
        try
        {
            while (await sink.Reader.WaitToReadAsync(stoppingToken))
            {
                await FillAsync(batch, stoppingToken);
                await WriteAsync(trading, batch, stoppingToken);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: what is queued, and what the cap suppressed so far, gets one last write, bounded by the write timeout.
            await summaries;
            sink.ReleaseSummaries(all: true);
            while (sink.Reader.TryRead(out var entry))
            {
                batch.Add(entry);
            }

            await WriteAsync(trading, batch, CancellationToken.None);
        }
    }

    /// <summary>
    /// Every flush interval, queues the cap's summary rows of windows that ended, so a flood's count is written when
    /// its window ends even if nothing is logged after it.
    /// </summary>
    private async Task ReleaseSummariesAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.FlushInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                sink.ReleaseSummaries();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Takes what is queued, waiting up to the flush interval for a batch to fill.</summary>
    private async Task FillAsync(List<ErrorLogEntry> batch, CancellationToken stoppingToken)
    {
        using var flush = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        flush.CancelAfter(_options.FlushInterval);
        try
        {
            while (batch.Count < _options.BatchSize)
            {
                if (sink.Reader.TryRead(out var entry))
                {
                    batch.Add(entry);
                }
                else if (!await sink.Reader.WaitToReadAsync(flush.Token))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task WriteAsync(NpgsqlDataSource trading, List<ErrorLogEntry> batch, CancellationToken stoppingToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(_options.WriteTimeout);
        try
        {
            await using var command = trading.CreateCommand(Insert);
            command.Parameters.Add(new() { Value = batch.Select(e => e.At).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
            AddText(command, batch.Select(e => e.Service));
            AddText(command, batch.Select(e => e.Level));
            AddText(command, batch.Select(e => e.Message));
            AddText(command, batch.Select(e => e.Exception));
            AddText(command, batch.Select(e => e.TraceId));
            command.Parameters.Add(new() { Value = batch.Select(e => e.Properties).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
            await command.ExecuteNonQueryAsync(timeout.Token);
            sink.CountWritten(batch.Count);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or OperationCanceledException or InvalidOperationException)
        {
            sink.CountDropped(batch.Count);
            LogBatchDropped(logger, batch.Count, sink.Dropped, ex.Message);
        }
    }

    private static void AddText(NpgsqlCommand command, IEnumerable<string?> values) =>
        command.Parameters.Add(new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped {Count} error log entries that could not be written ({Dropped} dropped since start): {Error}")]
    private static partial void LogBatchDropped(ILogger logger, int count, long dropped, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No '{Name}' data source is registered; warnings and errors are not written to ops.error_log")]
    private static partial void LogNoDataSource(ILogger logger, string name);
}
