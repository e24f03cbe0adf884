using System.Globalization;

namespace Zmarty.AppHost.Processes;

/// <summary>
/// Remembers the PID of each service the AppHost starts, with the process's start time so a reused
/// PID is never mistaken for it. Should an AppHost die without its children, the next start stops
/// what it left, as PostgreSQL's own <c>postmaster.pid</c> lets us do for the databases.
/// </summary>
internal static class LeftoverProcesses
{
    public static void Remember(string dataDirectory, string resource, int pid)
    {
        if (StartTime(pid) is { } startTime)
        {
            Directory.CreateDirectory(Folder(dataDirectory));
            File.WriteAllText(PidFile(dataDirectory, resource), $"{pid} {startTime}");
        }
    }

    /// <summary>Drops the record; a data directory already deleted (a failed start cleans up) has none to drop.</summary>
    public static void Forget(string dataDirectory, string resource)
    {
        if (Directory.Exists(Folder(dataDirectory)))
        {
            File.Delete(PidFile(dataDirectory, resource));
        }
    }

    /// <summary>Stops the process an earlier run left for <paramref name="resource"/>, if it still runs; true when there was one.</summary>
    public static async Task<bool> StopAsync(string dataDirectory, string resource)
    {
        var file = PidFile(dataDirectory, resource);
        if (!File.Exists(file))
        {
            return false;
        }

        var fields = (await File.ReadAllTextAsync(file)).Split(' ');
        File.Delete(file);
        if (fields.Length != 2 || !int.TryParse(fields[0], CultureInfo.InvariantCulture, out var pid) || StartTime(pid) != fields[1])
        {
            return false;
        }

        Posix.Signal(pid, Posix.SigTerm);
        for (var i = 0; i < 100 && StartTime(pid) == fields[1]; i++)
        {
            await Task.Delay(50);
        }

        Posix.Signal(pid, Posix.SigKill);
        return true;
    }

    private static string Folder(string dataDirectory) => Path.Combine(dataDirectory, "run");

    private static string PidFile(string dataDirectory, string resource) => Path.Combine(Folder(dataDirectory), resource + ".pid");

    /// <summary>Field 22 of /proc/PID/stat (clock ticks since boot); null when the process is gone or a zombie.</summary>
    private static string? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[0] == "Z" ? null : fields[19];
        }
        catch (IOException)
        {
            return null;
        }
    }
}
