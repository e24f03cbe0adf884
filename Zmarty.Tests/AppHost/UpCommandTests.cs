using System.Diagnostics;
using Zmarty.AppHost.Hosting;

namespace Zmarty.Tests.AppHost;

/// <summary>The AppHost as <c>./zmarty up</c> runs it: a real process, stopped by a signal.</summary>
[Collection(AppHostCollection.Name)]
public sealed class UpCommandTests
{
    [Fact]
    public async Task Up_prints_the_table_and_SIGTERM_stops_every_child_and_both_servers()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "zmarty-up-" + Guid.NewGuid().ToString("N")[..12]);
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Zmarty.AppHost.dll"));
        startInfo.ArgumentList.Add("up");
        startInfo.ArgumentList.Add("--data-dir");
        startInfo.ArgumentList.Add(dataDirectory);
        foreach (var resource in new[] { ResourceNames.Api, ResourceNames.AdminUi, ResourceNames.Emulators, ResourceNames.Worker, ResourceNames.SupabaseA, ResourceNames.SupabaseB })
        {
            startInfo.ArgumentList.Add($"--{resource}-port");
            startInfo.ArgumentList.Add(Ports.PickFree().ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var output = new List<string>();
        var healthy = new TaskCompletionSource();
        using var apphost = Process.Start(startInfo)!;
        apphost.OutputDataReceived += (_, e) => Collect(e.Data);
        apphost.ErrorDataReceived += (_, e) => Collect(e.Data);
        apphost.BeginOutputReadLine();
        apphost.BeginErrorReadLine();
        try
        {
            await healthy.Task.WaitAsync(TimeSpan.FromMinutes(2));
            var children = ProcessProbe.ChildrenOf(apphost.Id);

            Assert.Equal(6, children.Count);
            Assert.Contains(output, line => line.Contains("supabase-a", StringComparison.Ordinal) && line.Contains("running", StringComparison.Ordinal) && line.Contains("postgresql://", StringComparison.Ordinal));
            Assert.Contains(output, line => line.TrimStart().StartsWith("api ", StringComparison.Ordinal) && line.Contains("running  http://127.0.0.1:", StringComparison.Ordinal));
            Assert.Contains(output, line => line.StartsWith("api        | ", StringComparison.Ordinal));

            Assert.True(Zmarty.AppHost.Processes.Posix.Signal(apphost.Id, 15));
            await apphost.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));

            Assert.Equal(0, apphost.ExitCode);
            Assert.Contains("Stopped.", output);
            Assert.DoesNotContain(children, pid => Directory.Exists($"/proc/{pid}"));
            Assert.Empty(ProcessProbe.ProcessesUsing(dataDirectory));
        }
        finally
        {
            if (!apphost.HasExited)
            {
                apphost.Kill(entireProcessTree: true);
            }

            if (Directory.Exists(dataDirectory))
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
        }

        void Collect(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.Add(line);
            }

            if (line.StartsWith("Zmarty is healthy after", StringComparison.Ordinal))
            {
                healthy.TrySetResult();
            }
            else if (line.StartsWith("zmarty: ", StringComparison.Ordinal))
            {
                healthy.TrySetException(new InvalidOperationException(line));
            }
        }
    }
}
