namespace Zmarty.Testing;

/// <summary>What /proc tells of processes: whether one still runs, its children, and which name a folder.</summary>
public static class ProcessProbe
{
    /// <summary>Alive and not a zombie (an orphan's zombie may wait long for a reaper here).</summary>
    public static bool IsRunning(int pid) => Directory.Exists($"/proc/{pid}") && !IsZombie(pid);

    /// <summary>Any process whose command line names <paramref name="directory"/>: a postgres or its workers.</summary>
    public static IEnumerable<string> ProcessesUsing(string directory) =>
        Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => int.TryParse(name, out _))
            .Select(pid => (pid, cmdline: ReadCommandLine(pid!)))
            .Where(p => p.cmdline.Contains(directory, StringComparison.Ordinal))
            .Select(p => $"{p.cmdline} (pid {p.pid})");

    private static string ReadCommandLine(string pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>The processes whose parent is <paramref name="parent"/>.</summary>
    public static List<int> ChildrenOf(int parent) =>
        Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Select(name => int.TryParse(name, out var pid) ? pid : 0)
            .Where(pid => pid > 0 && StatFields(pid) is { } fields
                && fields[1] == parent.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .ToList();

    private static bool IsZombie(int pid) => StatFields(pid) is not { } fields || fields[0] == "Z";

    /// <summary>
    /// /proc/PID/stat after the command name (which may hold spaces): state, ppid, ...; null when the process is gone.
    /// </summary>
    private static string[]? StatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }
}
