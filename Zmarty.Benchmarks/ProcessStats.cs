using System.Globalization;

namespace Zmarty.Benchmarks;

/// <summary>What a child process of the benchmarked system used, from /proc.</summary>
internal static class ProcessStats
{
    /// <summary>User + system CPU of a process from /proc/PID/stat (fields 14 and 15, in clock ticks of 1/100 s).</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>The process's peak resident set (VmHWM).</summary>
    public static double PeakMegabytes(int pid) =>
        File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0).Single();

    /// <summary>The process's resident set now (VmRSS).</summary>
    public static double Megabytes(int pid) =>
        File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0).Single();
}
