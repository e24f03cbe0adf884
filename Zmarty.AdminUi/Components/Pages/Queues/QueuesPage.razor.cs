using Microsoft.AspNetCore.Components;
using Zmarty.AdminUi.Components.Shared;
using Zmarty.AdminUi.Data;

namespace Zmarty.AdminUi.Components.Pages.Queues;

/// <summary>pgmq's queues in B: depth and rates, the last hour's depth, and the archived messages with requeue and purge.</summary>
public sealed partial class QueuesPage : LivePage<QueuesSnapshot>
{
    private string? _confirmPurge;

    [Inject]
    public required QueuesData Queues { get; init; }

    private Task RequeueAsync(string queue, IReadOnlyList<long> msgIds)
    {
        var requeued = 0;
        return ActAsync(
            async () => requeued = await Queues.RequeueAsync(queue, msgIds, CancellationToken.None),
            () => $"{requeued} message(s) sent back to {queue}.");
    }

    private Task PurgeAsync(string queue, IReadOnlyList<long>? msgIds)
    {
        _confirmPurge = null;
        long purged = 0;
        return ActAsync(
            async () => purged = await Queues.PurgeAsync(queue, msgIds, CancellationToken.None),
            () => $"{purged} archived message(s) of {queue} deleted.");
    }
}
