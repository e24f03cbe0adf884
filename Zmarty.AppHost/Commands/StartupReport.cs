using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Zmarty.AppHost.Supabase;

namespace Zmarty.AppHost.Commands;

/// <summary>
/// <c>./zmarty up</c>'s console: which way the databases run and why, a line for each resource that fails or does not
/// get going (with its last log lines) as soon as that is known, and one closing line: everything healthy and how
/// long it took, or what did not start. The dashboard has the rest.
/// </summary>
internal sealed class StartupReport(
    ResourceNotificationService notifications, ResourceLoggerService logs, DistributedApplicationModel model,
    IConfiguration configuration) : BackgroundService
{
    /// <summary>How long a container may stay created or starting before the console says so.</summary>
    internal static readonly TimeSpan StuckAfter = TimeSpan.FromSeconds(30);

    private const int LinesShown = 5;

    private static readonly TimeSpan s_stuckCheck = TimeSpan.FromSeconds(5);

    /// <summary>The last lines each resource instance logged, by its id, for the report of its failure.</summary>
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _lastLines = new(StringComparer.Ordinal);

    /// <summary>Where each instance is, and since when, by its id.</summary>
    private readonly ConcurrentDictionary<string, (IResource Resource, string State, DateTime Since)> _states =
        new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, bool> _reported = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var mode = configuration[SupabaseSettings.ResolvedModeKey];
        Console.WriteLine(mode == nameof(PostgresMode.Container)
            ? "Supabase A and B: PostgreSQL containers (--postgres process runs Debian's binaries instead)."
            : "Supabase A and B: PostgreSQL processes from Debian's binaries (--postgres container runs them in podman)" +
                (configuration[SupabaseSettings.ResolvedReasonKey] is { Length: > 0 } why ? $", because {why}." : "."));

        using var watching = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var failures = Task.WhenAll(WatchStatesAsync(watching.Token), WatchStuckAsync(watching.Token));
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
        finally
        {
            // Once up, a resource's later failures are the dashboard's to show.
            await watching.CancelAsync();
            await failures.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task WatchStatesAsync(CancellationToken cancellationToken)
    {
        await foreach (var update in notifications.WatchAsync(cancellationToken))
        {
            var state = update.Snapshot.State?.Text ?? "";
            if (_states.TryGetValue(update.ResourceId, out var known) && known.State == state)
            {
                continue;
            }

            if (known.Resource is null)
            {
                _ = KeepLastLinesAsync(update.ResourceId, cancellationToken);
            }

            _states[update.ResourceId] = (update.Resource, state, DateTime.UtcNow);
            if (Failure(update.Resource, state, update.Snapshot.ExitCode) is { } failure)
            {
                _ = ReportSoonAsync(update.ResourceId, failure, cancellationToken);
            }
        }
    }

    private async Task WatchStuckAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(s_stuckCheck);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            foreach (var (id, (resource, state, since)) in _states)
            {
                if (IsStuck(resource, state, DateTime.UtcNow - since))
                {
                    Report(id, $"has been {state} for {StuckAfter.TotalSeconds:0} s: {ContainerEngine.Runtime} has not started it " +
                        $"(CONTAINERS_CONF={Environment.GetEnvironmentVariable("CONTAINERS_CONF") ?? "unset"}; " +
                        $"see {ContainerEngine.Runtime} ps -a, or run with --postgres process)");
                }
            }
        }
    }

    /// <summary>What the console says of a state that will not become healthy by itself; null for any other.</summary>
    internal static string? Failure(IResource resource, string state, int? exitCode) => state switch
    {
        _ when state == KnownResourceStates.FailedToStart => "failed to start",
        _ when state == KnownResourceStates.RuntimeUnhealthy => $"cannot start: {ContainerEngine.Runtime} is not healthy",
        MigrationFailedAnnotation.State => "failed to migrate: " +
            resource.Annotations.OfType<MigrationFailedAnnotation>().LastOrDefault()?.Message,
        _ when state == KnownResourceStates.Exited && exitCode is not (null or 0) => $"exited with code {exitCode}",
        _ => null,
    };

    /// <summary>A container still created or starting well after it should be running: the engine is not running it.</summary>
    internal static bool IsStuck(IResource resource, string state, TimeSpan inState) =>
        resource is ContainerResource && inState >= StuckAfter
        && (state == KnownResourceStates.Starting || string.Equals(state, "Created", StringComparison.OrdinalIgnoreCase));

    /// <summary>A moment later: a failing resource's last lines reach the log a little after its state does.</summary>
    private async Task ReportSoonAsync(string id, string what, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        Report(id, what);
    }

    private void Report(string id, string what)
    {
        if (!_reported.TryAdd(id, true))
        {
            return;
        }

        var lines = _lastLines.TryGetValue(id, out var last) ? last.ToArray() : [];
        Console.WriteLine($"{id} {what}." + (lines.Length == 0 ? "" : " Its last lines:"));
        foreach (var line in lines)
        {
            Console.WriteLine("  " + line);
        }
    }

    private async Task KeepLastLinesAsync(string id, CancellationToken cancellationToken)
    {
        var last = _lastLines.GetOrAdd(id, _ => new ConcurrentQueue<string>());
        try
        {
            await foreach (var batch in logs.WatchAsync(id).WithCancellation(cancellationToken))
            {
                foreach (var line in batch)
                {
                    last.Enqueue(line.Content);
                    while (last.Count > LinesShown && last.TryDequeue(out _))
                    {
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
