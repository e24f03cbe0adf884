using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Zmarty.Tests.Database;
using Zmarty.Worker.Relay;

namespace Zmarty.Tests.Sync;

/// <summary>
/// The relay as the Worker registers it, run in the test process against the fixture's A and an
/// in-process receiver: the metrics it reports and the fields its logs carry, first while every
/// delivery is refused, then once a receiver accepts them.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class RelayTelemetryTests(DatabaseFixture db)
{
    private readonly ConcurrentDictionary<string, double> _totals = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(LogLevel Level, Dictionary<string, object?> Fields)> _logs = new();

    [Fact]
    public async Task Pending_age_failures_retries_deliveries_and_latency_are_measured_and_logs_name_the_symbol()
    {
        await Sql.ExecuteAsync(db.Chat, "update public.user_symbols_outbox set delivered_at = now() where delivered_at is null");
        var secret = ReceiverHost.NewSecret();
        var user = await db.CreateUserAsync("pro");
        using var listener = Listen();

        // The receiver holds another secret: every delivery gets 401 and is retried.
        await using (var refusing = await ReceiverHost.StartAsync(db, ReceiverHost.NewSecret()))
        using (var relay = await StartRelayAsync(refusing, secret))
        {
            await Sql.ExecuteAsync(db.Chat, "insert into public.user_symbols (user_id, symbol, timeframe) values ($1, 'BTC/USDT', '4h')", user);
            await WaitUntilAsync(() => Total("zmarty.relay.failures") >= 2 && Total("zmarty.relay.retries") >= 1, listener);
            await WaitUntilAsync(() => Total("zmarty.relay.pending") >= 1 && Total("zmarty.relay.oldest_pending_age") > 0, listener);
            await relay.StopAsync();
        }

        var failure = Assert.Single(_logs, l => l.Level == LogLevel.Warning && Equals(l.Fields.GetValueOrDefault("attempt"), 1)).Fields;
        Assert.Equal(user.ToString(), failure["user_id"]);
        Assert.Equal("BTC/USDT", failure["symbol"]);
        Assert.Equal("4h", failure["timeframe"]);
        Assert.StartsWith("HTTP 401", (string)failure["error"]!, StringComparison.Ordinal);
        Assert.Equal(0, Total("zmarty.relay.delivered"));

        await using (var accepting = await ReceiverHost.StartAsync(db, secret))
        using (var relay = await StartRelayAsync(accepting, secret))
        {
            await WaitUntilAsync(() => Total("zmarty.relay.delivered") >= 1 && Total("zmarty.relay.pending") == 0, listener);
            await relay.StopAsync();
        }

        Assert.True(Total("zmarty.relay.delivery.latency") > 0);
        var recovered = Assert.Single(_logs, l => l.Level == LogLevel.Information && l.Fields.ContainsKey("attempt") && l.Fields.ContainsKey("webhook_id")).Fields;
        Assert.Equal(user.ToString(), recovered["user_id"]);
        Assert.True((int)recovered["attempt"]! > 1);
    }

    private double Total(string instrument) => _totals.GetValueOrDefault(instrument);

    private MeterListener Listen()
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == RelayMetrics.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        // Counters and the histogram add up; the gauges keep their latest value.
        void Record(Instrument instrument, double value) =>
            _totals.AddOrUpdate(instrument.Name, value, (_, total) => instrument is ObservableGauge<long> or ObservableGauge<double> ? value : total + value);
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => Record(instrument, value));
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => Record(instrument, value));
        listener.Start();
        return listener;
    }

    private async Task<IHost> StartRelayAsync(ReceiverHost receiver, string secret)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:chat"] = db.App.GetConnectionString("chat"),
            ["Webhooks:Secret"] = secret,
            ["Relay:ReceiverUrl"] = new Uri(receiver.Client.BaseAddress!, "/hooks/watchers-upsert").ToString(),
            ["Relay:FirstRetryDelay"] = "00:00:00.050",
            ["Relay:MaxRetryDelay"] = "00:00:00.200",
            ["Relay:MetricsInterval"] = "00:00:00.100",
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new CapturingProvider(_logs));
        builder.AddKeyedNpgsqlDataSource("chat");
        builder.AddSymbolRelay();
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, MeterListener listener)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (true)
        {
            listener.RecordObservableInstruments();
            if (condition())
            {
                return;
            }

            await Task.Delay(50, limit.Token);
        }
    }

    private sealed class CapturingProvider(ConcurrentQueue<(LogLevel, Dictionary<string, object?>)> logs) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) =>
            categoryName == typeof(OutboxRelay).FullName ? new Capturing(logs) : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        public void Dispose()
        {
        }

        private sealed class Capturing(ConcurrentQueue<(LogLevel, Dictionary<string, object?>)> logs) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                logs.Enqueue((logLevel, state is IEnumerable<KeyValuePair<string, object?>> fields
                    ? fields.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal)
                    : []));
        }
    }
}
