using System.Diagnostics;
using Zmarty.AppHost.Hosting;

namespace Zmarty.AppHost.Processes;

/// <summary>
/// One of our .NET services, started from its build output as a child process with Aspire's
/// environment conventions, and considered up once its <c>/health</c> answers 200.
/// </summary>
internal sealed class ProjectProcess(
    string name,
    string projectDirectory,
    string assemblyPath,
    int port,
    IReadOnlyDictionary<string, string> environment,
    ResourceLog log,
    Action<string, int>? processStarted,
    Action<int> exitedUnexpectedly) : IAsyncDisposable
{
    private static readonly TimeSpan s_gracefulStop = TimeSpan.FromSeconds(10);

    private readonly HttpClient _health = new() { BaseAddress = new($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
    private Process? _process;
    private volatile bool _stopping;

    public Uri Url => _health.BaseAddress!;
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
        // A service gets the connection strings and endpoints it references, never the AppHost's own.
        foreach (var inherited in startInfo.Environment.Keys.Where(IsWiring).ToList())
        {
            startInfo.Environment.Remove(inherited);
        }

        foreach (var (key, value) in environment)
        {
            startInfo.Environment[key] = value;
        }

        // TERM when the AppHost dies: the host's graceful shutdown, as on a normal stop.
        _stopping = false;
        _process = await ChildProcess.StartAsync(startInfo, "TERM");
        processStarted?.Invoke(name, _process.Id);
        log.Attach(_process, () => _stopping, exitedUnexpectedly);
        await WaitUntilHealthyAsync(timeout, cancellationToken);
    }

    private static bool IsWiring(string variable) =>
        variable.StartsWith("ConnectionStrings__", StringComparison.OrdinalIgnoreCase)
        || variable.StartsWith("services__", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when <c>/health</c> answers 200 (every readiness check passes).</summary>
    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _health.GetAsync("/health", cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException || ex is TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task WaitUntilHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var http = _health;
        var clock = Stopwatch.StartNew();
        var lastAnswer = "no answer yet";
        while (clock.Elapsed < timeout)
        {
            if (_process!.HasExited)
            {
                throw await log.ExitedWhileStartingAsync(_process);
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

    /// <summary>Stops the process; it can be started again.</summary>
    public async Task StopAsync()
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

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _health.Dispose();
    }
}
