using System.Diagnostics.Metrics;

namespace Zmarty.Worker.Relay;

/// <summary>The relay's instruments (meter <see cref="MeterName"/>), exported with the service's other metrics.</summary>
internal sealed class RelayMetrics
{
    public const string MeterName = "Zmarty.Relay";

    private readonly Counter<long> _delivered;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _failures;
    private readonly Histogram<double> _latency;
    private readonly Counter<long> _restarts;
    private readonly Histogram<double> _cycle;
    private long _pending;
    private double _oldestPendingSeconds;

    public RelayMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _delivered = meter.CreateCounter<long>("zmarty.relay.delivered", "{event}", "Events the receiver acknowledged with a 2xx.");
        _retries = meter.CreateCounter<long>("zmarty.relay.retries", "{attempt}", "Delivery attempts after an event's first.");
        _failures = meter.CreateCounter<long>("zmarty.relay.failures", "{attempt}", "Delivery attempts that got no 2xx.");
        _latency = meter.CreateHistogram<double>(
            "zmarty.relay.delivery.latency", "s", "From the change in A (its transaction's start, the outbox row's created_at) to the receiver's 2xx.",
            advice: new() { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] });
        _cycle = meter.CreateHistogram<double>(
            "zmarty.relay.cycle.duration", "s",
            "A lane's batch by phase: connect (a pooled connection, the transaction's start), claim (the claim's select), " +
            "deliver (the batch's webhooks, in parallel), record (the outcomes' update and the commit).",
            advice: new() { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        _restarts = meter.CreateCounter<long>(
            "zmarty.relay.restarts", "{restart}", "Relay tasks (lanes, listener, poller, housekeeping) restarted after a crash.");
        meter.CreateObservableGauge("zmarty.relay.pending", () => Interlocked.Read(ref _pending), "{event}", "Events not yet delivered.");
        meter.CreateObservableGauge(
            "zmarty.relay.oldest_pending_age", () => Volatile.Read(ref _oldestPendingSeconds), "s", "Age of the oldest undelivered event.");
    }

    public void Record(DeliveryOutcome outcome, DateTimeOffset now)
    {
        if (outcome.Event.Attempts > 0)
        {
            _retries.Add(1);
        }

        if (outcome.Delivered)
        {
            _delivered.Add(1);
            _latency.Record((now - outcome.Event.CreatedAt).TotalSeconds);
        }
        else
        {
            _failures.Add(1);
        }
    }

    public void Cycle(TimeSpan connect, TimeSpan claim, TimeSpan deliver, TimeSpan record)
    {
        _cycle.Record(connect.TotalSeconds, new KeyValuePair<string, object?>("phase", "connect"));
        _cycle.Record(claim.TotalSeconds, new KeyValuePair<string, object?>("phase", "claim"));
        _cycle.Record(deliver.TotalSeconds, new KeyValuePair<string, object?>("phase", "deliver"));
        _cycle.Record(record.TotalSeconds, new KeyValuePair<string, object?>("phase", "record"));
    }

    public void Restarted(string task) => _restarts.Add(1, new KeyValuePair<string, object?>("relay_task", task));

    public void SetPending(long pending, TimeSpan oldestAge)
    {
        Interlocked.Exchange(ref _pending, pending);
        Volatile.Write(ref _oldestPendingSeconds, oldestAge.TotalSeconds);
    }
}
