using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Zmarty.Worker.Relay;

/// <summary>
/// Delivers A's <c>user_symbols_outbox</c> to the receiver, each event until it gets a 2xx, in order per (user_id,
/// symbol, timeframe), several events to a POST (<see cref="WebhookDelivery"/>). Several lanes claim and deliver
/// batches at once: the claim gives a lane only the oldest undelivered event of each key
/// (<see cref="OutboxStore"/>), so keys proceed in parallel and the events of one key one after the other. A lane
/// holds its batch's row locks until it has recorded the outcomes; if the relay dies first, the events stay undelivered
/// and are sent again, which the receiver treats as a replay. It wakes on A's notification, on its own deliveries
/// (the next event of a key becomes due), at a failed event's retry time, and every poll interval.
/// </summary>
internal sealed partial class OutboxRelay(
    [FromKeyedServices("chat")] NpgsqlDataSource chat,
    WebhookDelivery delivery,
    RelayMetrics metrics,
    IOptions<RelayOptions> options,
    TimeProvider clock,
    ILogger<OutboxRelay> logger,
    ILogger<RelaySupervisor> supervisorLogger) : BackgroundService
{
    public const string Channel = "user_symbols_outbox";

    private static readonly TimeSpan s_listenerProbeInterval = TimeSpan.FromSeconds(30);

    private readonly RelayOptions _options = options.Value;
    private readonly Doorbell _doorbell = new(options.Value.Lanes);
    private readonly SemaphoreSlim _deliveries = new(options.Value.MaxConcurrentDeliveries);
    private readonly RelaySupervisor _supervisor = new(metrics, clock, supervisorLogger, options.Value.MaxRestartDelay);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Log.Started(logger, _options.ReceiverUrl, _options.Lanes, _options.BatchSize);
        await Task.WhenAll([
            _supervisor.RunAsync("listener", ListenAsync, stoppingToken),
            _supervisor.RunAsync("poller", PollAsync, stoppingToken),
            _supervisor.RunAsync("housekeeping", HousekeepAsync, stoppingToken),
            .. Enumerable.Range(0, _options.Lanes)
                .Select(lane => _supervisor.RunAsync($"lane {lane}", token => RunLaneAsync(lane, token), stoppingToken)),
        ]);
    }

    public override void Dispose()
    {
        _deliveries.Dispose();
        _doorbell.Dispose();
        base.Dispose();
    }

    private async Task RunLaneAsync(int lane, CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var (claimed, delivered) = await DeliverBatchAsync(stoppingToken);
                failures = 0;
                if (delivered > 0)
                {
                    // The next events of these keys are due now, for another lane to take while this one claims too.
                    _doorbell.Ring();
                }

                if (delivered > 0 || claimed == _options.BatchSize)
                {
                    continue;
                }

                await _doorbell.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                // A down or restarting: nothing was recorded, so the claimed events are claimed again later.
                Log.DatabaseUnavailable(logger, lane, ex.Message);
                await DelayAsync(TimeSpan.FromMilliseconds(Math.Min(200 * (1 << Math.Min(++failures, 5)), 5000)), stoppingToken);
            }
        }
    }

    /// <summary>Claims a batch, delivers it, records the outcomes, commits; how many events it claimed and delivered.</summary>
    private async Task<(int Claimed, int Delivered)> DeliverBatchAsync(CancellationToken stoppingToken)
    {
        var started = Stopwatch.GetTimestamp();
        await using var connection = await chat.OpenConnectionAsync(stoppingToken);
        await using var transaction = await connection.BeginTransactionAsync(stoppingToken);
        var connected = Stopwatch.GetTimestamp();
        var batch = await OutboxStore.ClaimAsync(connection, transaction, _options.BatchSize, stoppingToken);
        if (batch.Count == 0)
        {
            return (0, 0);
        }

        // Deliveries in hand are finished and recorded even when the relay is asked to stop.
        var claimed = Stopwatch.GetTimestamp();
        var outcomes = (await Task.WhenAll(delivery.Split(batch).Select(DeliverAsync))).SelectMany(o => o).ToList();
        var delivered = Stopwatch.GetTimestamp();
        await OutboxStore.RecordAsync(connection, transaction, outcomes);
        await transaction.CommitAsync(CancellationToken.None);
        var recorded = Stopwatch.GetTimestamp();
        var connect = Stopwatch.GetElapsedTime(started, connected);
        var claim = Stopwatch.GetElapsedTime(connected, claimed);
        var deliver = Stopwatch.GetElapsedTime(claimed, delivered);
        var record = Stopwatch.GetElapsedTime(delivered, recorded);
        metrics.Cycle(connect, claim, deliver, record);
        Log.Cycle(logger, batch.Count, connect.TotalMilliseconds, claim.TotalMilliseconds, deliver.TotalMilliseconds,
            record.TotalMilliseconds);

        var now = clock.GetUtcNow();
        var earliestRetry = TimeSpan.MaxValue;
        foreach (var outcome in outcomes)
        {
            metrics.Record(outcome, now);
            if (!outcome.Delivered)
            {
                earliestRetry = outcome.RetryAfter < earliestRetry ? outcome.RetryAfter : earliestRetry;
                LogFailure(outcome);
            }
            else if (outcome.Event.Attempts > 0)
            {
                LogRecovery(outcome);
            }
        }

        if (earliestRetry != TimeSpan.MaxValue)
        {
            _ = RingAfterAsync(earliestRetry, stoppingToken);
        }

        return (batch.Count, outcomes.Count(o => o.Delivered));
    }

    private async Task<IReadOnlyList<DeliveryOutcome>> DeliverAsync(List<OutboxEvent> events)
    {
        await _deliveries.WaitAsync();
        try
        {
            return await delivery.DeliverAsync(events, CancellationToken.None);
        }
        finally
        {
            _deliveries.Release();
        }
    }

    /// <summary>LISTEN on A; every notification (a change committed) wakes the lanes. Reconnects after a failure.</summary>
    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await chat.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) => _doorbell.Ring();
                await using (var listen = new NpgsqlCommand($"listen {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                failures = 0;
                // Whatever committed while nobody listened is due now.
                _doorbell.Ring();
                while (true)
                {
                    // A server that vanished without closing the socket sends nothing; a query finds out.
                    if (!await connection.WaitAsync((int)s_listenerProbeInterval.TotalMilliseconds, stoppingToken))
                    {
                        await using var probe = new NpgsqlCommand("select 1", connection);
                        await probe.ExecuteNonQueryAsync(stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException)
            {
                Log.ListenerLost(logger, ex.Message);
                await DelayAsync(TimeSpan.FromMilliseconds(Math.Min(250 * (1 << Math.Min(++failures, 5)), 5000)), stoppingToken);
            }
        }
    }

    /// <summary>The polling fallback: a notification can be missed (sent while the listener reconnected, or by another relay's deliveries).</summary>
    private async Task PollAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.PollInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                _doorbell.Ring();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Reads the pending count and age for the metrics, and deletes delivered events past the retention.</summary>
    private async Task HousekeepAsync(CancellationToken stoppingToken)
    {
        var nextPrune = clock.GetUtcNow();
        using var timer = new PeriodicTimer(_options.MetricsInterval, clock);
        do
        {
            try
            {
                var (pending, oldest) = await OutboxStore.PendingAsync(chat, stoppingToken);
                metrics.SetPending(pending, oldest);
                if (clock.GetUtcNow() >= nextPrune)
                {
                    var clock0 = Stopwatch.GetTimestamp();
                    var pruned = await OutboxStore.PruneAsync(chat, _options.Retention, stoppingToken);
                    Log.Pruned(logger, pruned, _options.Retention, (long)Stopwatch.GetElapsedTime(clock0).TotalMilliseconds);
                    nextPrune = clock.GetUtcNow() + _options.PruneInterval;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                Log.HousekeepingFailed(logger, ex.Message);
            }
        }
        while (await WaitTickAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitTickAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task RingAfterAsync(TimeSpan delay, CancellationToken stoppingToken)
    {
        await DelayAsync(delay, stoppingToken);
        _doorbell.Ring();
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(delay, clock, stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void LogFailure(DeliveryOutcome outcome)
    {
        var key = SymbolKey.Of(outcome.Event.Payload);
        Log.DeliveryFailed(logger, outcome.Event.EventId, key.UserId, key.Symbol, key.Timeframe, outcome.Event.Attempts + 1,
            (long)outcome.RetryAfter.TotalMilliseconds, outcome.Error);
    }

    private void LogRecovery(DeliveryOutcome outcome)
    {
        var key = SymbolKey.Of(outcome.Event.Payload);
        Log.DeliveredAfterRetries(logger, outcome.Event.EventId, key.UserId, key.Symbol, key.Timeframe, outcome.Event.Attempts + 1);
    }

    /// <summary>
    /// "There may be work": each ring lets one waiting lane look, so a single new event costs one
    /// claim, not one per lane. A ring while every lane is busy is kept (up to one per lane) for the
    /// next lane that would wait, so none is lost.
    /// </summary>
    private sealed class Doorbell(int lanes) : IDisposable
    {
        private readonly SemaphoreSlim _rings = new(0, lanes);

        public Task WaitAsync(CancellationToken cancellationToken) => _rings.WaitAsync(cancellationToken);

        public void Ring()
        {
            try
            {
                _rings.Release();
            }
            catch (SemaphoreFullException)
            {
                // Every lane already has a ring waiting for it.
            }
        }

        public void Dispose() => _rings.Dispose();
    }

    /// <summary>The key an event is about, for the logs: <c>record</c>'s, or <c>old_record</c>'s for a delete.</summary>
    private readonly record struct SymbolKey(string? UserId, string? Symbol, string? Timeframe)
    {
        public static SymbolKey Of(string payload)
        {
            try
            {
                using var document = JsonDocument.Parse(payload);
                var root = document.RootElement;
                var row = root.TryGetProperty("record", out var record) && record.ValueKind == JsonValueKind.Object ? record
                    : root.TryGetProperty("old_record", out var old) && old.ValueKind == JsonValueKind.Object ? old
                    : default;
                return row.ValueKind == JsonValueKind.Object
                    ? new(Text(row, "user_id"), Text(row, "symbol"), Text(row, "timeframe"))
                    : default;
            }
            catch (JsonException)
            {
                return default;
            }
        }

        private static string? Text(JsonElement row, string name) =>
            row.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    private static partial class Log
    {
        [LoggerMessage(LogLevel.Information, "Relay delivering A's symbol outbox to {receiver_url} with {lanes} lanes of up to {batch_size} events")]
        public static partial void Started(ILogger logger, Uri receiver_url, int lanes, int batch_size);

        [LoggerMessage(LogLevel.Warning,
            "Delivery of event {webhook_id} for {user_id} {symbol} {timeframe} failed (attempt {attempt}); next attempt in {retry_in_ms} ms: {error}")]
        public static partial void DeliveryFailed(
            ILogger logger, Guid webhook_id, string? user_id, string? symbol, string? timeframe, int attempt, long retry_in_ms, string? error);

        [LoggerMessage(LogLevel.Information, "Delivered event {webhook_id} for {user_id} {symbol} {timeframe} at attempt {attempt}")]
        public static partial void DeliveredAfterRetries(ILogger logger, Guid webhook_id, string? user_id, string? symbol, string? timeframe, int attempt);

        [LoggerMessage(LogLevel.Debug, "Relay batch of {events}: connect {connect_ms:F2} ms, claim {claim_ms:F2} ms, " +
            "deliver {deliver_ms:F2} ms, record {record_ms:F2} ms")]
        public static partial void Cycle(
            ILogger logger, int events, double connect_ms, double claim_ms, double deliver_ms, double record_ms);

        [LoggerMessage(LogLevel.Warning, "Relay lane {lane} cannot reach Supabase A: {error}")]
        public static partial void DatabaseUnavailable(ILogger logger, int lane, string error);

        [LoggerMessage(LogLevel.Warning, "Relay lost its LISTEN connection to Supabase A, reconnecting: {error}")]
        public static partial void ListenerLost(ILogger logger, string error);

        [LoggerMessage(LogLevel.Information, "Pruned {deleted} delivered outbox events older than {retention} in {duration_ms} ms")]
        public static partial void Pruned(ILogger logger, long deleted, TimeSpan retention, long duration_ms);

        [LoggerMessage(LogLevel.Warning, "Relay housekeeping (metrics, pruning) failed: {error}")]
        public static partial void HousekeepingFailed(ILogger logger, string error);
    }
}
