using System.Collections.Concurrent;

namespace Zmarty.Tests.AppHost;

/// <summary>Records the processes an AppHost starts and tells which are still alive afterwards.</summary>
internal sealed class ProcessProbe
{
    private readonly ConcurrentDictionary<int, string> _started = new();

    public void Record(string resource, int pid) => _started[pid] = resource;

    public IReadOnlyDictionary<int, string> Started => _started;

    public IEnumerable<string> StillRunning() =>
        _started.Where(p => Directory.Exists($"/proc/{p.Key}") && !IsZombie(p.Key)).Select(p => $"{p.Value} (pid {p.Key})");

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

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }
}
