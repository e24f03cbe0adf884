using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Zmarty.AppHost.Commands;

/// <summary>
/// On Ctrl+C or SIGTERM the orchestrator stops every resource at once, and a database that goes first
/// fails the services' last writes. Hosted services stop in reverse order of registration, so this one,
/// registered after Aspire's own, stops every project (and waits for it) before the orchestrator stops the rest.
/// </summary>
internal sealed class ServicesFirstShutdown(DistributedApplicationModel model, ResourceCommandService commands) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken) =>
        await Task.WhenAll(model.Resources.OfType<ProjectResource>()
            .Select(project => commands.ExecuteCommandAsync(project, KnownResourceCommands.StopCommand, cancellationToken)));

    public static void AddTo(IDistributedApplicationBuilder builder)
    {
        builder.Services.AddHostedService<ServicesFirstShutdown>();
        // And the AppHost exits only once the orchestrator has stopped everything, so nothing outlives it.
        builder.Configuration["DcpPublisher:WaitForResourceCleanup"] ??= "true";
    }
}
