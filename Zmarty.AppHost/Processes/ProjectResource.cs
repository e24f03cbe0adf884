using System.Diagnostics;
using Zmarty.AppHost.Hosting;

namespace Zmarty.AppHost.Processes;

/// <summary>
/// One of our .NET services, started from its build output as a child process with Aspire's
/// environment conventions, and considered up once its <c>/health</c> answers 200.
/// </summary>
internal sealed class ProjectResource(
    string name,
    string projectDirectory,
    string assemblyPath,
    int port,
    IReadOnlyDictionary<string, string> environment,
    ResourceLog log,
    Action<string, int>? processStarted) : IAsyncDisposable
{
    private static readonly TimeSpan s_gracefulStop = TimeSpan.FromSeconds(10);

    private Process? _process;
    private volatile bool _stopping;

    public string Name => name;
    public Uri Url => new($"http://127.0.0.1:{port}");
    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    public async Task StartAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!File.Exists(assemblyPath))
        {
            throw new AppHostException(
                $"{name}: {assemblyPath} does not exist. Build the solution first (dotnet build Zmarty.sln), " +
                "or start through ./zmarty up, which builds it.");
        }

        var startInfo = new ProcessStartInfo("dotnet")
        {
            // Like `dotnet run`: the content root is the project folder, where appsettings and static assets are.
            WorkingDirectory = projectDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(assemblyPath);
        foreach (var (key, value) in environment)
        {
            startInfo.Environment[key] = value;
        }

        _process = Process.Start(startInfo) ?? throw new AppHostException($"Could not start {name}.");
        processStarted?.Invoke(name, _process.Id);
        log.Attach(_process, () => _stopping);
        await WaitUntilHealthyAsync(timeout, cancellationToken);
    }

    private async Task WaitUntilHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        var lastAnswer = "no answer yet";
        while (clock.Elapsed < timeout)
        {
            if (_process!.HasExited)
            {
                throw new AppHostException(
                    $"{name} exited with code {_process.ExitCode} while starting. Its last log lines:{Environment.NewLine}{log.Tail()}");
            }

            try
            {
                using var response = await http.GetAsync("/health", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                lastAnswer = $"/health answered {(int)response.StatusCode}";
            }
            catch (HttpRequestException ex)
            {
                lastAnswer = ex.Message;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                lastAnswer = "/health timed out";
            }

            await Task.Delay(150, cancellationToken);
        }

        throw new AppHostException(
            $"{name} did not become healthy within {timeout.TotalSeconds:0} s ({lastAnswer}). " +
            $"Its last log lines:{Environment.NewLine}{log.Tail()}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }

        _stopping = true;
        if (!_process.HasExited)
        {
            // SIGTERM lets the host run its shutdown (drain requests, finish the message in hand).
            Posix.Signal(_process.Id, Posix.SigTerm);
            using var grace = new CancellationTokenSource(s_gracefulStop);
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
        _process = null;
    }
}
