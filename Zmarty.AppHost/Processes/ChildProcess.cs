using System.Collections.Concurrent;
using System.Diagnostics;

namespace Zmarty.AppHost.Processes;

/// <summary>
/// Starts the AppHost's children so that a terminal's Ctrl+C reaches the AppHost alone (each child
/// leads a session of its own, via <c>setsid</c>) and so that they die with it even when it is
/// killed outright (<c>setpriv --pdeathsig</c>, which the kernel delivers when the parent goes).
/// </summary>
internal static class ChildProcess
{
    private static readonly BlockingCollection<(ProcessStartInfo StartInfo, TaskCompletionSource<Process> Started)> s_requests = [];

    /// <summary>
    /// The kernel sends the parent-death signal when the <i>thread</i> that forked the child ends, and
    /// thread-pool threads come and go; so every child is forked from this one thread, which lives as
    /// long as the AppHost.
    /// </summary>
    private static readonly Thread s_launcher = new(Launch) { IsBackground = true, Name = "child process launcher" };

    static ChildProcess() => s_launcher.Start();

    /// <param name="parentDeathSignal">What the child gets when the AppHost dies: TERM for our services, INT (fast shutdown) for PostgreSQL.</param>
    /// <param name="user">Run as this user (initdb and postgres refuse root).</param>
    public static Task<Process> StartAsync(ProcessStartInfo startInfo, string parentDeathSignal, string? user = null)
    {
        var wrapped = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = startInfo.WorkingDirectory,
            RedirectStandardOutput = startInfo.RedirectStandardOutput,
            RedirectStandardError = startInfo.RedirectStandardError,
            UseShellExecute = false,
        };
        // setsid and setpriv exec in place (neither forks here), so the PID we hold is the program's own.
        string[] setpriv = user is null
            ? ["setpriv", "--pdeathsig", parentDeathSignal, "--"]
            : ["setpriv", "--pdeathsig", parentDeathSignal, $"--reuid={user}", $"--regid={user}", "--init-groups", "--"];
        foreach (var argument in setpriv.Append(startInfo.FileName).Concat(startInfo.ArgumentList))
        {
            wrapped.ArgumentList.Add(argument);
        }

        wrapped.Environment.Clear();
        foreach (var (key, value) in startInfo.Environment)
        {
            wrapped.Environment[key] = value;
        }

        var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        s_requests.Add((wrapped, started));
        return started.Task;
    }

    private static void Launch()
    {
        foreach (var (startInfo, started) in s_requests.GetConsumingEnumerable())
        {
            try
            {
                started.SetResult(Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {startInfo.FileName}."));
            }
            catch (Exception ex)
            {
                started.SetException(ex);
            }
        }
    }
}
