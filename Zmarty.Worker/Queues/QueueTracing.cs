using System.Diagnostics;
using System.Text.Json;

namespace Zmarty.Worker.Queues;

/// <summary>
/// Trace context in message headers (W3C <c>traceparent</c>/<c>tracestate</c>), so one trace follows a job across the
/// queues: a consumer continues the sender's trace, and what it enqueues carries its own span on.
/// </summary>
public sealed class QueueTracing(IHostEnvironment environment) : IDisposable
{
    // The service defaults export the sources named after the application.
    private readonly ActivitySource _source = new(environment.ApplicationName);

    /// <summary>A consumer span for <paramref name="message"/>, child of the sender's span when the headers carry one.</summary>
    public Activity? StartProcess(string queue, QueueMessage message)
    {
        ActivityContext parent = default;
        if (message.Headers is { ValueKind: JsonValueKind.Object } headers
            && headers.TryGetProperty("traceparent", out var traceparent) && traceparent.GetString() is { } id)
        {
            var state = headers.TryGetProperty("tracestate", out var tracestate) ? tracestate.GetString() : null;
            ActivityContext.TryParse(id, state, isRemote: true, out parent);
        }

        var activity = _source.StartActivity($"{queue} process", ActivityKind.Consumer, parent);
        activity?.SetTag("messaging.system", "pgmq");
        activity?.SetTag("messaging.destination.name", queue);
        activity?.SetTag("messaging.message.id", message.MsgId);
        return activity;
    }

    /// <summary>The headers for a message sent now: the current span's context, if any.</summary>
    public static IReadOnlyDictionary<string, string> CurrentHeaders()
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } current)
        {
            headers["traceparent"] = current.Id!;
            if (!string.IsNullOrEmpty(current.TraceStateString))
            {
                headers["tracestate"] = current.TraceStateString;
            }
        }

        return headers;
    }

    public void Dispose() => _source.Dispose();
}
