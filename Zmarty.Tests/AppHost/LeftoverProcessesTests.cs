using System.Diagnostics;
using Zmarty.AppHost.Processes;

namespace Zmarty.Tests.AppHost;

public sealed class LeftoverProcessesTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("zmarty-leftover-");

    [Fact]
    public async Task A_process_an_earlier_run_left_is_stopped_at_the_next_start()
    {
        using var leftover = Process.Start("sleep", "300");
        LeftoverProcesses.Remember(_data.FullName, "api", leftover.Id);

        Assert.True(await LeftoverProcesses.StopAsync(_data.FullName, "api"));

        await leftover.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(await LeftoverProcesses.StopAsync(_data.FullName, "api"));
    }

    [Fact]
    public async Task A_recorded_PID_now_used_by_another_process_is_left_alone()
    {
        using var other = Process.Start("sleep", "300");
        // The same PID with another start time: the recorded process is gone and the PID was reused.
        await File.WriteAllTextAsync(Path.Combine(Directory.CreateDirectory(Path.Combine(_data.FullName, "run")).FullName, "api.pid"), $"{other.Id} 1");

        Assert.False(await LeftoverProcesses.StopAsync(_data.FullName, "api"));

        Assert.False(other.HasExited);
        other.Kill();
    }

    public void Dispose() => _data.Delete(recursive: true);
}
