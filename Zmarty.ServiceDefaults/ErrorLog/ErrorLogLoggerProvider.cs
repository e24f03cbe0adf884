using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Zmarty.ServiceDefaults.ErrorLog;

/// <summary>
/// A logger provider that hands every warning, error and critical entry to the <see cref="ErrorLogSink"/>,
/// with the current trace id, the category and the message template's values as properties, unless the sink's
/// cap on that category and template says no (then the entry is not even built).
/// </summary>
[ProviderAlias("ErrorLog")]
public sealed class ErrorLogLoggerProvider(ErrorLogSink sink, string service, TimeProvider time) : ILoggerProvider
{
    // Long messages and stack traces are cut, so one runaway entry cannot make a batch huge.
    private const int MaxMessage = 8_000;
    private const int MaxException = 32_000;

    public ILogger CreateLogger(string categoryName) =>
        categoryName.StartsWith(ErrorLogWriter.Category, StringComparison.Ordinal)
            ? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance // the writer's own failures would feed themselves
            : new Logger(sink, service, time, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(ErrorLogSink sink, string service, TimeProvider time, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel is >= LogLevel.Warning and < LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var values = state as IEnumerable<KeyValuePair<string, object?>>;
            var template = values?.FirstOrDefault(v => v.Key == "{OriginalFormat}").Value as string;
            var admission = sink.Admit(service, category, template, logLevel);
            if (!admission.Write)
            {
                return;
            }

            var properties = new Dictionary<string, string?>(StringComparer.Ordinal) { ["category"] = category };
            if (admission.Sample > 0)
            {
                properties["error_log_sample"] = admission.Sample.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            if (eventId.Id != 0 || eventId.Name is not null)
            {
                properties["event_id"] = eventId.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
                properties["event_name"] = eventId.Name;
            }

            if (values is not null)
            {
                foreach (var (key, value) in values)
                {
                    if (key != "{OriginalFormat}")
                    {
                        properties[key] = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
                    }
                }
            }

            sink.Add(new ErrorLogEntry(
                time.GetUtcNow(),
                service,
                ErrorLogSink.LevelName(logLevel),
                Cut(formatter(state, exception), MaxMessage),
                exception is null ? null : Cut(exception.ToString(), MaxException),
                Activity.Current is { } activity ? activity.TraceId.ToHexString() : null,
                JsonSerializer.Serialize(properties)));
        }

        private static string Cut(string text, int max) => text.Length <= max ? text : text[..max];
    }
}
