using System.Diagnostics;
using System.Globalization;
using Zmarty.AppHost.Processes;

namespace Zmarty.Tests.AppHost;

/// <summary>The AppHost as <c>dotnet run --project Zmarty.AppHost</c> and <c>./zmarty up</c> run it: a real process, stopped by a signal.</summary>
[Collection(AppHostCollection.Name)]
public sealed class UpCommandTests
{
    /// <summary>Every port of the model, moved to a free one: the dashboard's pages and OTLP receivers too.</summary>
    private static readonly string[] s_ports =
        ["dashboard", "dashboard-otlp-grpc", "dashboard-otlp-http", "supabase-a", "supabase-b", "emulators", "api", "worker", "admin"];

    /// <summary>The dashboard, both PostgreSQL servers and the four services.</summary>
    private const int ChildProcesses = 7;

    [Fact]
    public async Task Ctrl_C_on_the_terminal_stops_services_then_databases_and_nothing_exits_unexpectedly()
    {
        await using var apphost = await RunningAppHost.StartAsync();

        Assert.Equal(ChildProcesses, apphost.Children.Count);
        Assert.Contains(apphost.Output, line => line.Contains("supabase-a", StringComparison.Ordinal) && line.Contains("running", StringComparison.Ordinal) && line.Contains("postgresql://", StringComparison.Ordinal));
        Assert.Contains(apphost.Output, line => line.TrimStart().StartsWith("api ", StringComparison.Ordinal) && line.Contains("running  http://127.0.0.1:", StringComparison.Ordinal));
        Assert.Contains(apphost.Output, line => line.StartsWith("api        | ", StringComparison.Ordinal));

        // What a terminal does on Ctrl+C: SIGINT to every process of the foreground process group.
        Assert.True(Posix.Signal(-apphost.ProcessGroup, Posix.SigInt));
        await apphost.WaitForExitAsync();

        Assert.Equal(0, apphost.ExitCode);
        Assert.Contains("Stopped.", apphost.Output);
        Assert.DoesNotContain(apphost.Output, line => line.Contains("exited unexpectedly", StringComparison.Ordinal));
        Assert.DoesNotContain(apphost.Children, IsAlive);
        Assert.Empty(ProcessProbe.ProcessesUsing(apphost.DataDirectory));
        var apiStopped = apphost.Output.FindLastIndex(line => line.StartsWith("api        | ", StringComparison.Ordinal));
        var databaseStopping = apphost.Output.FindIndex(line => line.Contains("received fast shutdown request", StringComparison.Ordinal));
        Assert.True(databaseStopping > apiStopped, "the databases stop after the services");
    }

    [Fact]
    public async Task Killing_the_AppHost_outright_takes_its_children_with_it_and_the_next_start_is_clean()
    {
        List<int> children;
        string dataDirectory;
        await using (var apphost = await RunningAppHost.StartAsync(keepData: true))
        {
            children = apphost.Children;
            dataDirectory = apphost.DataDirectory;
            Assert.True(Posix.Signal(apphost.ProcessId, Posix.SigKill));
            await apphost.WaitForExitAsync();
            for (var i = 0; i < 200 && children.Any(IsAlive); i++)
            {
                await Task.Delay(50);
            }

            Assert.DoesNotContain(children, IsAlive);
        }

        await using (var again = await RunningAppHost.StartAsync(dataDirectory))
        {
            Assert.Equal(ChildProcesses, again.Children.Count);
            Assert.True(Posix.Signal(again.ProcessId, Posix.SigTerm));
            await again.WaitForExitAsync();
            Assert.Equal(0, again.ExitCode);
        }
    }

    private static bool IsAlive(int pid) => ProcessProbe.IsRunning(pid);

    /// <summary>
    /// The built AppHost with no verb (what <c>dotnet run --project Zmarty.AppHost</c> runs), leading a
    /// process group of its own as a terminal's foreground job does, with SIGINT at its default: a
    /// process started from a non-interactive shell would otherwise inherit it ignored.
    /// </summary>
    private sealed class RunningAppHost : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly TaskCompletionSource _healthy = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly bool _keepData;

        private RunningAppHost(string dataDirectory, bool keepData)
        {
            DataDirectory = dataDirectory;
            _keepData = keepData;
            var startInfo = new ProcessStartInfo("setsid") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { "env", "--default-signal=INT", "dotnet", Path.Combine(AppContext.BaseDirectory, "Zmarty.AppHost.dll"), "--data-dir", dataDirectory })
            {
                startInfo.ArgumentList.Add(argument);
            }

            foreach (var resource in s_ports)
            {
                startInfo.ArgumentList.Add($"--{resource}-port");
                startInfo.ArgumentList.Add(Zmarty.AppHost.Hosting.Ports.PickFree().ToString(CultureInfo.InvariantCulture));
            }

            _process = Process.Start(startInfo)!;
            _process.OutputDataReceived += (_, e) => Collect(e.Data);
            _process.ErrorDataReceived += (_, e) => Collect(e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public string DataDirectory { get; }

        public List<string> Output { get; } = [];

        public List<int> Children { get; private set; } = [];

        public int ProcessId => _process.Id;

        /// <summary>setsid made the AppHost the leader of its group: the group's id is its PID.</summary>
        public int ProcessGroup => _process.Id;

        public int ExitCode => _process.ExitCode;

        public static async Task<RunningAppHost> StartAsync(string? dataDirectory = null, bool keepData = false)
        {
            var apphost = new RunningAppHost(
                dataDirectory ?? Path.Combine(Path.GetTempPath(), "zmarty-up-" + Guid.NewGuid().ToString("N")[..12]), keepData);
            await apphost._healthy.Task.WaitAsync(TimeSpan.FromMinutes(2));
            apphost.Children = ProcessProbe.ChildrenOf(apphost._process.Id);
            return apphost;
        }

        public Task WaitForExitAsync() => _process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));

        private void Collect(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (Output)
            {
                Output.Add(line);
            }

            if (line.StartsWith("Zmarty is healthy after", StringComparison.Ordinal))
            {
                _healthy.TrySetResult();
            }
            else if (line.StartsWith("zmarty: ", StringComparison.Ordinal))
            {
                _healthy.TrySetException(new InvalidOperationException(line));
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
            if (!_keepData && Directory.Exists(DataDirectory))
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
        }
    }
}
