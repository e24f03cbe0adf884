using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Zmarty.AppHost.Commands;

/// <summary>
/// On Ctrl+C or SIGTERM the orchestrator stops every resource at once, and a database that goes first
/// fails the services' last writes. Hosted services stop in reverse order of registration, so this one,
/// registered after Aspire's own, stops every project (and waits for it) before the orchestrator stops the rest.
/// </summary>
internal sealed class ServicesFirstShutdown(
    DistributedApplicationModel model, ResourceCommandService commands, ResourceNotificationService notifications) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Only projects still running: a host may be stopped twice (Aspire.Hosting.Testing does), and a stop
    /// command sent once the orchestrator is gone is retried for 20 s before it gives up.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken) =>
        await Task.WhenAll(model.Resources.OfType<ProjectResource>()
            .Where(project => notifications.TryGetCurrentState(project.Name, out var current)
                && current.Snapshot.State?.Text is { } state && !KnownResourceStates.TerminalStates.Contains(state))
            .Select(project => commands.ExecuteCommandAsync(project, KnownResourceCommands.StopCommand, cancellationToken)));

    public static void AddTo(IDistributedApplicationBuilder builder)
    {
        builder.Services.AddHostedService<ServicesFirstShutdown>();
        // And the AppHost exits only once the orchestrator has stopped everything, so nothing outlives it.
        builder.Configuration["DcpPublisher:WaitForResourceCleanup"] ??= "true";
    }
}
