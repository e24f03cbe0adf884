using System.ComponentModel.DataAnnotations;

namespace Zmarty.ServiceDefaults.ErrorLog;

/// <summary>The <c>ErrorLog</c> section: how warnings and errors are batched into <c>ops.error_log</c>.</summary>
public sealed class ErrorLogOptions
{
    public const string Section = "ErrorLog";

    /// <summary>Entries held in memory while the database is slow or down; past this, new ones are dropped and counted.</summary>
    [Range(1, 1_000_000)]
    public int Capacity { get; set; } = 10_000;

    /// <summary>Rows per insert.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 200;

    /// <summary>How long a batch waits for more entries before it is written.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one insert may take before its batch is given up as dropped.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Rows one kind of entry (category and message template) may write per <see cref="RateWindow"/>; past it, entries are
    /// sampled and counted into one summary row (<see cref="ErrorLogRateCap"/>).
    /// </summary>
    [Range(1, 1_000_000)]
    public int RowsPerWindow { get; set; } = 5;

    /// <summary>The window of <see cref="RowsPerWindow"/>, from a kind's first entry.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RateWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Past the cap, every this-many-th entry of the kind is still written, as a sample; 0: none.</summary>
    [Range(0, 1_000_000)]
    public int SampleEvery { get; set; } = 100;
}
