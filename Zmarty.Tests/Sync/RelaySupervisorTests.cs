using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using System.Diagnostics.Metrics;
using Zmarty.Worker.Relay;

namespace Zmarty.Tests.Sync;

/// <summary>The relay's supervisor: a loop that throws anything is logged, counted and started again.</summary>
public sealed class RelaySupervisorTests
{
    [Fact]
    public async Task A_lane_that_throws_an_unexpected_exception_is_logged_counted_and_restarted_until_it_runs()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var restarts = new List<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == "zmarty.relay.restarts")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) => restarts.Add((string)tags[0].Value!));
        listener.Start();
        var logger = new Collecting();
        var supervisor = new RelaySupervisor(
            new RelayMetrics(services.GetRequiredService<IMeterFactory>()), TimeProvider.System, logger, TimeSpan.FromMilliseconds(20));
        var runs = 0;

        await supervisor.RunAsync("lane 3", _ =>
        {
            runs++;
            return runs < 3 ? throw new InvalidOperationException("a bug in a lane") : Task.CompletedTask;
        }, CancellationToken.None);

        Assert.Equal(3, runs);
        Assert.Equal(["lane 3", "lane 3"], restarts);
        Assert.Equal(2, logger.Errors.Count);
        Assert.Contains("Relay task lane 3 crashed (2 in a row)", logger.Errors[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stopping_ends_a_supervised_loop_without_a_restart()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var logger = new Collecting();
        var supervisor = new RelaySupervisor(
            new RelayMetrics(services.GetRequiredService<IMeterFactory>()), TimeProvider.System, logger, TimeSpan.FromSeconds(1));
        using var stop = new CancellationTokenSource();

        var running = supervisor.RunAsync("poller", token => Task.Delay(Timeout.Infinite, token), stop.Token);
        await stop.CancelAsync();
        await running;

        Assert.Empty(logger.Errors);
    }

    private sealed class Collecting : ILogger<RelaySupervisor>
    {
        public List<string> Errors { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(
            LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Error)
            {
                Errors.Add(formatter(state, exception));
            }
        }
    }
}
