using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Zmarty.ServiceDefaults.ErrorLog;

/// <summary>One row of <c>ops.error_log</c>.</summary>
public sealed record ErrorLogEntry(
    DateTimeOffset At, string Service, string Level, string Message, string? Exception, string? TraceId, string Properties);

/// <summary>
/// The bounded queue between every logger (which must never wait) and the writer (which may wait
/// on the database), behind the <see cref="ErrorLogRateCap"/> that keeps one kind of entry from
/// flooding the table. A full queue drops the new entry; every entry that never reaches the table,
/// dropped here or in a failed batch, is counted, as are those the cap suppressed.
/// </summary>
public sealed class ErrorLogSink : IDisposable
{
    public const string MeterName = "Zmarty.ErrorLog";

    private readonly Channel<ErrorLogEntry> _channel;
    private readonly Meter _meter = new(MeterName);
    private readonly ErrorLogRateCap _cap;
    private long _dropped;
    private long _written;

    public ErrorLogSink(IOptions<ErrorLogOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _cap = new ErrorLogRateCap(options.Value, time);
        _channel = Channel.CreateBounded<ErrorLogEntry>(
            new BoundedChannelOptions(options.Value.Capacity)
            {
                FullMode = BoundedChannelFullMode.DropWrite,
                SingleReader = true,
            },
            _ => Interlocked.Increment(ref _dropped));
        _meter.CreateObservableCounter("zmarty.error_log.dropped", () => Dropped, description: "Warnings and errors that could not be written to ops.error_log.");
        _meter.CreateObservableCounter("zmarty.error_log.written", () => Written, description: "Warnings and errors written to ops.error_log.");
        _meter.CreateObservableCounter("zmarty.error_log.suppressed", () => Suppressed,
            description: "Warnings and errors not written, their kind being over its rows per window; summary rows count them.");
    }

    public long Dropped => Interlocked.Read(ref _dropped);

    public long Written => Interlocked.Read(ref _written);

    public long Suppressed => _cap.Suppressed;

    /// <summary>Whether an entry of this kind is written now (see <see cref="ErrorLogRateCap"/>); ask before building it.</summary>
    public ErrorLogRateCap.Admission Admit(string service, string category, string? template, LogLevel level)
    {
        var admission = _cap.Admit(service, category, template, level);
        foreach (var summary in _cap.TakeClosed())
        {
            Add(summary);
        }

        return admission;
    }

    /// <summary>Queues the summary rows of the cap's ended windows (all of them at shutdown).</summary>
    internal void ReleaseSummaries(bool all = false)
    {
        foreach (var summary in _cap.TakeSummaries(all))
        {
            Add(summary);
        }
    }

    internal ChannelReader<ErrorLogEntry> Reader => _channel.Reader;

    /// <summary>Never waits: a full queue drops the entry and counts it.</summary>
    public void Add(ErrorLogEntry entry) => _channel.Writer.TryWrite(entry);

    internal void CountWritten(int count) => Interlocked.Add(ref _written, count);

    internal void CountDropped(int count) => Interlocked.Add(ref _dropped, count);

    internal void Complete() => _channel.Writer.TryComplete();

    public void Dispose() => _meter.Dispose();

    public static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        _ => "critical",
    };
}
