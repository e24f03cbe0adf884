using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Zmarty.AppHost.Hosting;

namespace Zmarty.AppHost.Processes;

/// <summary>A line a resource wrote, numbered from 1 over the AppHost's run (restarts included).</summary>
public sealed record ConsoleLine(long Number, DateTimeOffset Time, string Text, bool IsError);

/// <summary>
/// A resource's log: every line goes to the shared sink with the resource's name in front, and the
/// newest lines are kept, bounded, for a failed start's message and the dashboard's console page,
/// which also follows new lines as they come.
/// </summary>
internal sealed class ResourceLog(string resource, Action<string>? sink)
{
    private const int KeptLines = 10_000;

    private readonly Queue<ConsoleLine> _recent = new();
    private readonly List<Channel<ConsoleLine>> _followers = [];
    private long _written;

    /// <summary>
    /// Streams the process's output; when it exits while <paramref name="isStopping"/> is false, says
    /// so and tells <paramref name="exitedUnexpectedly"/> the exit code.
    /// </summary>
    public void Attach(Process process, Func<bool> isStopping, Action<int> exitedUnexpectedly)
    {
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data, isError: true);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.EnableRaisingEvents = true;
        // A crash after start-up would otherwise show only as silence in the console.
        process.Exited += (_, _) =>
        {
            if (!isStopping())
            {
                Write($"exited unexpectedly with code {process.ExitCode}", isError: true);
                exitedUnexpectedly(process.ExitCode);
            }
        };
    }

    public void Write(string? line, bool isError = false)
    {
        if (line is null)
        {
            return;
        }

        lock (_recent)
        {
            var entry = new ConsoleLine(++_written, DateTimeOffset.UtcNow, line, isError);
            _recent.Enqueue(entry);
            if (_recent.Count > KeptLines)
            {
                _recent.Dequeue();
            }

            foreach (var follower in _followers)
            {
                follower.Writer.TryWrite(entry);
            }
        }

        sink?.Invoke($"{resource,-10} | {line}");
    }

    /// <summary>The lines kept so far, then each new one, until cancelled. A reader too slow for 10,000 lines loses the oldest.</summary>
    public async IAsyncEnumerable<ConsoleLine> FollowAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<ConsoleLine>(new BoundedChannelOptions(KeptLines)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (_recent)
        {
            foreach (var line in _recent)
            {
                channel.Writer.TryWrite(line);
            }

            _followers.Add(channel);
        }

        try
        {
            await foreach (var line in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return line;
            }
        }
        finally
        {
            lock (_recent)
            {
                _followers.Remove(channel);
            }
        }
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
            Write("(its output was still open 5 s after it exited; later lines may be missing)", isError: true);
        }

        return new AppHostException(
            $"{resource} exited with code {process.ExitCode} while starting. Its last log lines:{Environment.NewLine}{Tail()}");
    }

    public string Tail(int lines = 40)
    {
        lock (_recent)
        {
            return string.Join(Environment.NewLine, _recent.TakeLast(lines).Select(l => "    " + l.Text));
        }
    }
}
