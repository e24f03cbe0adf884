using Zmarty.AdminUi.Data;

namespace Zmarty.AdminUi.Live;

/// <summary>
/// Keeps the shared queue poll running for the life of the process, so the depth history behind
/// the chart and the processing rate is there when a page opens.
/// </summary>
internal sealed class QueueHistoryRecorder(LivePoll<QueuesSnapshot> poll) : IHostedService
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = poll.Subscribe(() => Task.CompletedTask);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }
}
