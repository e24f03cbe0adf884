using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;
using Zmarty.AppHost.Commands;
using Zmarty.Testing;

namespace Zmarty.Tests.AppHost;

/// <summary>
/// <c>dotnet run --project Zmarty.AppHost</c> as a developer types it: none of <c>./zmarty</c>'s environment (no
/// container runtime, no CONTAINERS_CONF, no Supabase mode), and the system comes up all the same.
/// </summary>
[Collection(AppHostSecondCollection.Name)]
public sealed class BareRunTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(5);

    /// <summary>What <c>./zmarty</c> sets, and the test runner's own Aspire and service settings.</summary>
    private static readonly string[] s_removedPrefixes =
        ["ASPIRE_", "DOTNET_ASPIRE_", "CONTAINERS_CONF", "Supabase__", "ZMARTY_", "ConnectionStrings__", "Cryptometer__", "KingFisher__"];

    [Fact]
    public async Task Dotnet_run_on_the_apphost_alone_brings_the_api_to_health_and_says_how_the_databases_run()
    {
        // Its own throw-away data, so the test neither reads nor spoils the developer's (the run keeps it durable otherwise).
        var data = Path.Combine(Path.GetTempPath(), "zmarty-bare-" + Guid.NewGuid().ToString("N")[..12]);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Checkout.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            "run", "--project", "Zmarty.AppHost", "--no-build", "-c", AppHostAssembly.Configuration, "--",
            $"--Supabase:DataDirectory={data}", "--Supabase:Durable=false",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var inherited = start.Environment.Keys.Where(k => s_removedPrefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal)));
        foreach (var key in inherited.ToList())
        {
            start.Environment.Remove(key);
        }

        var console = new StringBuilder();
        using var run = Process.Start(start)!;
        run.OutputDataReceived += (_, e) => Append(console, e.Data);
        run.ErrorDataReceived += (_, e) => Append(console, e.Data);
        run.BeginOutputReadLine();
        run.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var deadline = DateTime.UtcNow + s_patience;
            while (!await HealthyAsync(http))
            {
                if (run.HasExited)
                {
                    Assert.Fail($"the AppHost exited ({run.ExitCode}):\n{Text(console)}");
                }

                Assert.True(DateTime.UtcNow < deadline, $"the Api was not healthy within {s_patience}:\n{Text(console)}");
                await Task.Delay(TimeSpan.FromSeconds(2));
            }

            // The suite's container stage runs this once more where podman can run the local image: then containers.
            Assert.Contains(
                Environment.GetEnvironmentVariable("ZMARTY_TEST_POSTGRES") == "container"
                    ? "Supabase A and B: PostgreSQL containers"
                    : "Supabase A and B: PostgreSQL", Text(console), StringComparison.Ordinal);
        }
        finally
        {
            await StopAsync(run);
            output.WriteLine(Text(console));
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }

        Assert.Empty(ProcessProbe.ProcessesUsing(data));
    }

    private static async Task<bool> HealthyAsync(HttpClient http)
    {
        try
        {
            using var health = await http.GetAsync(new Uri("http://localhost:5100/health"));
            return health.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// SIGTERM to the AppHost (a child of <c>dotnet run</c>), which stops everything it started as Ctrl+C would; SIGTERM,
    /// because a test runner started in the background may have SIGINT ignored, and its children with it.
    /// </summary>
    private static async Task StopAsync(Process run)
    {
        foreach (var child in ProcessProbe.ChildrenOf(run.Id))
        {
            await Command.RunAsync("kill", ["-TERM", child.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        using var stopped = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await run.WaitForExitAsync(stopped.Token);
        }
        catch (OperationCanceledException)
        {
            run.Kill(entireProcessTree: true);
        }
    }

    private static void Append(StringBuilder console, string? line)
    {
        if (line is not null)
        {
            lock (console)
            {
                console.AppendLine(line);
            }
        }
    }

    private static string Text(StringBuilder console)
    {
        lock (console)
        {
            return console.ToString();
        }
    }
}
