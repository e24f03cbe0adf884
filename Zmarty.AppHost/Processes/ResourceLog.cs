using System.Diagnostics;
using Zmarty.AppHost.Hosting;

namespace Zmarty.AppHost.Processes;

/// <summary>
/// A resource's log: every line goes to the shared sink with the resource's name in front, and the
/// last lines are kept so a failed start can show them.
/// </summary>
internal sealed class ResourceLog(string resource, Action<string>? sink)
{
    private const int KeptLines = 60;

    private readonly Queue<string> _recent = new();

    /// <summary>
    /// Streams the process's output; when it exits while <paramref name="isStopping"/> is false, says
    /// so and tells <paramref name="exitedUnexpectedly"/> the exit code.
    /// </summary>
    public void Attach(Process process, Func<bool> isStopping, Action<int> exitedUnexpectedly)
    {
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.EnableRaisingEvents = true;
        // A crash after start-up would otherwise show only as silence in the console.
        process.Exited += (_, _) =>
        {
            if (!isStopping())
            {
                Write($"exited unexpectedly with code {process.ExitCode}");
                exitedUnexpectedly(process.ExitCode);
            }
        };
    }

    public void Write(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_recent)
        {
            _recent.Enqueue(line);
            if (_recent.Count > KeptLines)
            {
                _recent.Dequeue();
            }
        }

        sink?.Invoke($"{resource,-10} | {line}");
    }

    /// <summary>
    /// The error for a process that exited before it was up. The exit can be seen before the last
    /// lines, which usually say why, are read from its pipes; so those are drained first, for a
    /// moment at most in case a grandchild still holds them.
    /// </summary>
    public async Task<AppHostException> ExitedWhileStartingAsync(Process process)
    {
        using var drained = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await process.WaitForExitAsync(drained.Token);
        }
        catch (OperationCanceledException)
        {
            Write("(its output was still open 5 s after it exited; later lines may be missing)");
        }

        return new AppHostException(
            $"{resource} exited with code {process.ExitCode} while starting. Its last log lines:{Environment.NewLine}{Tail()}");
    }

    public string Tail(int lines = 40)
    {
        lock (_recent)
        {
            return string.Join(Environment.NewLine, _recent.TakeLast(lines).Select(l => "    " + l));
        }
    }
}
