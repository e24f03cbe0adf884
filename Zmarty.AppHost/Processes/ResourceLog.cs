using System.Diagnostics;

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

    public string Tail(int lines = 40)
    {
        lock (_recent)
        {
            return string.Join(Environment.NewLine, _recent.TakeLast(lines).Select(l => "    " + l));
        }
    }
}
