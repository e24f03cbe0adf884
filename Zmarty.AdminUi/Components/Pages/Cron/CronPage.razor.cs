using Microsoft.AspNetCore.Components;
using Zmarty.AdminUi.Components.Shared;
using Zmarty.AdminUi.Data;

namespace Zmarty.AdminUi.Components.Pages.Cron;

/// <summary>pg_cron's jobs in B: schedule, state, last and next run, history; run now, pause and resume.</summary>
public sealed partial class CronPage : LivePage<CronSnapshot>
{
    [Inject]
    public required CronData Cron { get; init; }

    private Task RunNowAsync(CronJob job)
    {
        CronRun? run = null;
        return ActAsync(
            async () => run = await Cron.RunNowAsync(job, CancellationToken.None),
            () => $"{job.Name} ran: {run!.Status}{(run.Status == "succeeded" ? "" : $" ({run.Message})")}.");
    }

    private Task SetActiveAsync(CronJob job, bool active) =>
        ActAsync(
            () => Cron.SetActiveAsync(job, active, CancellationToken.None),
            () => $"{job.Name} {(active ? "resumed" : "paused")}.");
}
