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
        var activity = _source.StartActivity($"{queue} process", ActivityKind.Consumer, SenderOf(message));
        Tag(activity, queue, message);
        return activity;
    }

    /// <summary>
    /// The read that received <paramref name="message"/>, in the message's trace beside its processing. The read itself
    /// runs outside any span (an idle one must start no trace), so it is recorded here once it found work.
    /// </summary>
    public void RecordReceive(string queue, QueueMessage message, DateTimeOffset started, DateTimeOffset ended)
    {
        using var activity = _source.StartActivity(
            $"{queue} receive", ActivityKind.Consumer, SenderOf(message), startTime: started);
        Tag(activity, queue, message);
        activity?.SetEndTime(ended.UtcDateTime);
    }

    private static ActivityContext SenderOf(QueueMessage message)
    {
        ActivityContext parent = default;
        if (message.Headers is { ValueKind: JsonValueKind.Object } headers
            && headers.TryGetProperty("traceparent", out var traceparent) && traceparent.GetString() is { } id)
        {
            var state = headers.TryGetProperty("tracestate", out var tracestate) ? tracestate.GetString() : null;
            ActivityContext.TryParse(id, state, isRemote: true, out parent);
        }

        return parent;
    }

    private static void Tag(Activity? activity, string queue, QueueMessage message)
    {
        activity?.SetTag("messaging.system", "pgmq");
        activity?.SetTag("messaging.destination.name", queue);
        activity?.SetTag("messaging.message.id", message.MsgId);
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
