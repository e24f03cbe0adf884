using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Zmarty.ServiceDefaults.ErrorLog;

/// <summary>
/// A logger provider that hands every warning, error and critical entry to the <see cref="ErrorLogSink"/>,
/// with the current trace id, the category and the message template's values as properties.
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

            var properties = new Dictionary<string, string?>(StringComparer.Ordinal) { ["category"] = category };
            if (eventId.Id != 0 || eventId.Name is not null)
            {
                properties["event_id"] = eventId.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
                properties["event_name"] = eventId.Name;
            }

            if (state is IEnumerable<KeyValuePair<string, object?>> values)
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
