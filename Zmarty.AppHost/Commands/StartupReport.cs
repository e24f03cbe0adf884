using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Zmarty.AppHost.Supabase;

namespace Zmarty.AppHost.Commands;

/// <summary>
/// <c>./zmarty up</c>'s console: which way the databases run, then one closing line: everything healthy
/// and how long it took, or what did not start.
/// </summary>
internal sealed class StartupReport(
    ResourceNotificationService notifications, DistributedApplicationModel model, IConfiguration configuration) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var mode = configuration[$"{SupabaseSettings.Section}:ResolvedMode"];
        Console.WriteLine(mode == nameof(PostgresMode.Container)
            ? "Supabase A and B: PostgreSQL containers (--postgres process runs Debian's binaries instead)."
            : "Supabase A and B: PostgreSQL processes from Debian's binaries (--postgres container runs them in podman).");

        var watched = model.Resources
            .Where(r => r is ProjectResource || r is IResourceWithConnectionString and IResourceWithParent)
            .ToList();
        try
        {
            await Task.WhenAll(watched.Select(r =>
                notifications.WaitForResourceHealthyAsync(r.Name, WaitBehavior.StopOnResourceUnavailable, stoppingToken)));
            var took = DateTime.Now - Process.GetCurrentProcess().StartTime;
            Console.WriteLine($"Zmarty is healthy after {took.TotalSeconds:0.0} s: {string.Join(", ", watched.Select(r => r.Name))}. " +
                "Secrets and endpoints: ./zmarty env. Press Ctrl+C to stop.");
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            Console.WriteLine($"Zmarty did not start: {ex.Message} The dashboard has each resource's log.");
        }
    }
}
