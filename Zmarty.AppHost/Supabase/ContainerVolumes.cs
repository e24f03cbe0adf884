using System.Diagnostics;

namespace Zmarty.AppHost.Supabase;

/// <summary><c>--reset</c> in container mode: a server's data volume is removed before its first start of the run.</summary>
internal static class ContainerVolumes
{
    private static readonly HashSet<string> s_removedThisRun = new(StringComparer.Ordinal);

    public static async Task RemoveOnceAsync(string volume, CancellationToken cancellationToken)
    {
        lock (s_removedThisRun)
        {
            // Not again when the server restarts within the run.
            if (!s_removedThisRun.Add(volume))
            {
                return;
            }
        }

        var engine = Environment.GetEnvironmentVariable("ASPIRE_CONTAINER_RUNTIME") ?? "podman";
        var start = new ProcessStartInfo(engine, ["volume", "rm", "--force", volume]) { RedirectStandardOutput = true };
        using var remove = Process.Start(start)
            ?? throw new AppHostException($"Could not run {engine} to remove the volume {volume}.");
        await remove.WaitForExitAsync(cancellationToken);
        if (remove.ExitCode != 0)
        {
            throw new AppHostException($"--reset could not remove the volume {volume} ({engine} volume rm exit {remove.ExitCode}).");
        }
    }
}
