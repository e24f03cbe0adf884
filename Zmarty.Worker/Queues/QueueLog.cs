namespace Zmarty.Worker.Queues;

/// <summary>The consumers' log lines; every job line carries symbol, timeframe, job_name, duration_ms and queue_depth.</summary>
internal static partial class QueueLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "{job_name} {symbol} {timeframe} succeeded in {duration_ms} ms (attempt {attempt}, queue_depth {queue_depth})")]
    public static partial void Succeeded(ILogger logger, string job_name, string? symbol, string? timeframe, long duration_ms, int attempt, long queue_depth);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{job_name} {symbol} {timeframe} failed in {duration_ms} ms (attempt {attempt} of {max_attempts}, queue_depth {queue_depth}); retrying in {retry_seconds} s")]
    public static partial void Retrying(ILogger logger, Exception exception, string job_name, string? symbol, string? timeframe, long duration_ms, int attempt, int max_attempts, long queue_depth, int retry_seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "{job_name} {symbol} {timeframe} failed in {duration_ms} ms on attempt {attempt} of {max_attempts} (queue_depth {queue_depth}); message {msg_id} archived")]
    public static partial void GaveUp(ILogger logger, Exception? exception, string job_name, string? symbol, string? timeframe, long duration_ms, int attempt, int max_attempts, long queue_depth, long msg_id);

    [LoggerMessage(Level = LogLevel.Error, Message = "{job_name} {symbol} {timeframe} rejected in {duration_ms} ms (queue_depth {queue_depth}); message {msg_id} archived: {reason}")]
    public static partial void Rejected(ILogger logger, string job_name, string? symbol, string? timeframe, long duration_ms, long queue_depth, long msg_id, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{job_name} {symbol} {timeframe}: message {msg_id} was delivered again while it ran ({duration_ms} ms, queue_depth {queue_depth}); its result was dropped")]
    public static partial void Superseded(ILogger logger, string job_name, string? symbol, string? timeframe, long msg_id, long duration_ms, long queue_depth);

    [LoggerMessage(Level = LogLevel.Information, Message = "{job_name} {symbol} {timeframe}: released message {msg_id} at shutdown after {duration_ms} ms (queue_depth {queue_depth})")]
    public static partial void Released(ILogger logger, string job_name, string? symbol, string? timeframe, long msg_id, long duration_ms, long queue_depth);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{job_name}: the queue could not be read or a run recorded; trying again in {delay_ms} ms")]
    public static partial void DatabaseUnavailable(ILogger logger, Exception exception, string job_name, long delay_ms);
}
