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
}
