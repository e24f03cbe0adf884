using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;

[assembly: InternalsVisibleTo("Zmarty.Tests")]

namespace Zmarty.ServiceDefaults.ErrorLog;

/// <summary>
/// Caps what one kind of entry (a log category and message template) may write to <c>ops.error_log</c>: at most
/// <see cref="ErrorLogOptions.RowsPerWindow"/> rows per <see cref="ErrorLogOptions.RateWindow"/>, counted from the
/// kind's first entry. Past that, every <see cref="ErrorLogOptions.SampleEvery"/>-th entry is still written as a
/// sample and the rest are counted; when the window ends, one row says how many were suppressed. A flood of
/// entries that anyone can cause without signing in (a wrong admin password, a webhook body that never arrives)
/// therefore costs a few rows a minute, whatever its size, while a kind nobody floods is written whole.
/// </summary>
public sealed class ErrorLogRateCap(ErrorLogOptions options, TimeProvider time)
{
    /// <summary>Kinds tracked at once; more share one, so entries with ever-new messages cannot grow the table without end.</summary>
    internal const int MaxKinds = 1_000;

    private const string OtherKinds = "(more kinds than the error log tracks)";
    private const int MaxTemplate = 500;

    private readonly ConcurrentDictionary<string, Kind> _kinds = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<ErrorLogEntry> _summaries = new();
    private long _suppressed;

    /// <summary>Whether an entry is written, and when it is a sample past the cap, which one over the cap it was (else 0).</summary>
    public readonly record struct Admission(bool Write, long Sample);

    /// <summary>Entries not written since the start (their windows' summary rows count them).</summary>
    public long Suppressed => Interlocked.Read(ref _suppressed);

    public Admission Admit(string service, string category, string? template, LogLevel level)
    {
        var key = $"{category}\n{template}";
        while (true)
        {
            if (!_kinds.TryGetValue(key, out var kind))
            {
                if (_kinds.Count >= MaxKinds)
                {
                    (key, category, template) = ($"\n{OtherKinds}", OtherKinds, null);
                }

                kind = _kinds.GetOrAdd(key, _ => new Kind(category, template));
            }

            lock (kind)
            {
                if (kind.Forgotten)
                {
                    continue;
                }

                var now = time.GetUtcNow();
                if (now - kind.Start >= options.RateWindow)
                {
                    Close(kind, now);
                    kind.Start = now;
                }

                kind.Service = service;
                if (kind.Written < options.RowsPerWindow)
                {
                    kind.Written++;
                    return new Admission(true, 0);
                }

                kind.Over++;
                if (options.SampleEvery > 0 && kind.Over % options.SampleEvery == 0)
                {
                    return new Admission(true, kind.Over);
                }

                kind.Suppressed++;
                kind.Level = level > kind.Level ? level : kind.Level;
                Interlocked.Increment(ref _suppressed);
                return new Admission(false, 0);
            }
        }
    }

    /// <summary>The summary rows of windows that an entry of their kind closed since the last call.</summary>
    public IReadOnlyList<ErrorLogEntry> TakeClosed()
    {
        if (_summaries.IsEmpty)
        {
            return [];
        }

        var taken = new List<ErrorLogEntry>();
        while (_summaries.TryDequeue(out var summary))
        {
            taken.Add(summary);
        }

        return taken;
    }

    /// <summary>
    /// The summary rows of windows that have ended (all windows when <paramref name="all"/>, at shutdown), and forgets
    /// kinds whose window ended with nothing suppressed.
    /// </summary>
    public IReadOnlyList<ErrorLogEntry> TakeSummaries(bool all = false)
    {
        var now = time.GetUtcNow();
        foreach (var (key, kind) in _kinds)
        {
            lock (kind)
            {
                if (all || now - kind.Start >= options.RateWindow)
                {
                    Close(kind, now);
                    kind.Forgotten = true;
                    _kinds.TryRemove(key, out _);
                }
            }
        }

        return TakeClosed();
    }

    /// <summary>Ends the kind's window: a summary row when something was suppressed in it, and the counts start again.</summary>
    private void Close(Kind kind, DateTimeOffset now)
    {
        if (kind.Suppressed > 0)
        {
            var template = kind.Template is { Length: > MaxTemplate } text ? text[..MaxTemplate] + "…" : kind.Template;
            var samples = options.SampleEvery > 0 ? $", then one in {options.SampleEvery}" : "";
            var message = $"{kind.Suppressed} more \"{template ?? kind.Category}\" entries of {kind.Category} were not written "
                + $"between {kind.Start:HH:mm:ss} and {now:HH:mm:ss} UTC: at most {options.RowsPerWindow} of one kind are written "
                + $"per {options.RateWindow}{samples}";
            var properties = JsonSerializer.Serialize(new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                ["category"] = kind.Category,
                ["template"] = template,
                ["suppressed"] = kind.Suppressed.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["window_start"] = kind.Start.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            });
            _summaries.Enqueue(new ErrorLogEntry(now, kind.Service, ErrorLogSink.LevelName(kind.Level), message, null, null, properties));
        }

        kind.Written = 0;
        kind.Over = 0;
        kind.Suppressed = 0;
        kind.Level = LogLevel.Warning;
    }

    private sealed class Kind(string category, string? template)
    {
        public string Category { get; } = category;

        public string? Template { get; } = template;

        public DateTimeOffset Start { get; set; } = DateTimeOffset.MinValue;

        public string Service { get; set; } = "";

        public int Written { get; set; }

        public long Over { get; set; }

        public long Suppressed { get; set; }

        public LogLevel Level { get; set; } = LogLevel.Warning;

        public bool Forgotten { get; set; }
    }
}
