using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Zmarty.Tests.Startup;

/// <summary>
/// One of our services run from its own build output as a separate process (<c>dotnet Zmarty.Worker.dll</c>), the
/// way a deployment runs it, with its output captured. Its databases point at a listening socket that no test
/// answers, so a test can tell whether the service tried to reach them.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    // Variables that would change what the service sees if the test runner happened to have them set.
    private static readonly string[] _inheritedPrefixes =
    [
        "Trading__", "Credits__", "Cryptometer__", "KingFisher__", "Queues__", "Webhooks__", "Supabase__", "ConnectionStrings__",
        "ASPNETCORE_", "DOTNET_ENVIRONMENT", "Chat__", "Voice__", "OpenApi__",
    ];

    private readonly Process _process;
    private readonly TcpListener _database = new(IPAddress.Loopback, 0);
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServiceProcess(string project, IReadOnlyDictionary<string, string> settings)
    {
        _database.Start();
        var databasePort = ((IPEndPoint)_database.LocalEndpoint).Port;
        var startInfo = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.Combine(Checkout.Root, project),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(AssemblyPath(project));
        foreach (var key in startInfo.Environment.Keys.Where(k => _inheritedPrefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))).ToList())
        {
            startInfo.Environment.Remove(key);
        }

        var database = $"Host=127.0.0.1;Port={databasePort};Database=postgres;Username=postgres;Timeout=2";
        startInfo.Environment["ConnectionStrings__chat"] = database;
        startInfo.Environment["ConnectionStrings__trading"] = database;
        startInfo.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";

        // The other required settings, valid, so only the setting under test can stop the start: the Worker's
        // providers (never called before the database answers), the webhook secret, the Api's token checks.
        foreach (var provider in new[] { "Cryptometer", "KingFisher" })
        {
            startInfo.Environment[$"{provider}__BaseUrl"] = "http://127.0.0.1:9/";
            startInfo.Environment[$"{provider}__ApiKey"] = "test-key";
        }

        // The Api runs as in production here, where each model provider and ElevenLabs need a key.
        foreach (var model in new[] { "grok", "gpt", "claude" })
        {
            startInfo.Environment[$"Chat__Providers__{model}__ApiKey"] = "test-key";
        }

        startInfo.Environment["Voice__ApiKey"] = "test-key";
        startInfo.Environment["Webhooks__Secret"] = "whsec_" + Convert.ToBase64String(new byte[32]);
        startInfo.Environment["Supabase__JwtSecret"] = new string('s', 40);
        startInfo.Environment["Supabase__JwtIssuer"] = "http://127.0.0.1:54321/auth/v1";
        // No model provider is reachable from here. The Api's background probe would log that as a warning at
        // once, and the error sink would write the warning to B: a contact with the database that is not the
        // start's own, which the tests tell apart from none.
        startInfo.Environment["Logging__LogLevel__Zmarty.Api.Health"] = "Error";

        // A failed start ends in an unhandled exception, which aborts the runtime: no crash dump for that.
        startInfo.Environment["DOTNET_DbgEnableMiniDump"] = "0";
        foreach (var (key, value) in settings)
        {
            startInfo.Environment[key] = value;
        }

        _process = new Process { StartInfo = startInfo };
        _process.OutputDataReceived += (_, e) => Record(e.Data);
        _process.ErrorDataReceived += (_, e) => Record(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Whether anything connected to the service's database address.</summary>
    public bool DatabaseWasContacted => _database.Pending();

    public static ServiceProcess Start(string project, IReadOnlyDictionary<string, string> settings) => new(project, settings);

    /// <summary>The service's build output with the same configuration and target framework as this test assembly's.</summary>
    public static string AssemblyPath(string project)
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return Path.Combine(Checkout.Root, project, "bin", output.Parent!.Name, output.Name, project + ".dll");
    }

    /// <summary>Waits for the process to end by itself and returns its exit code.</summary>
    public async Task<int> ExitCodeAsync()
    {
        // A guard for a service that never ends, so the test fails instead of hanging; no speed is asserted.
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await _process.WaitForExitAsync(guard.Token);
        return _process.ExitCode;
    }

    /// <summary>The address the service listens on, once it says so; fails if it exits first.</summary>
    public async Task<Uri> ListeningAsync()
    {
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(_listening.Task, exited, Task.Delay(TimeSpan.FromMinutes(2)));
        return first == _listening.Task
            ? await _listening.Task
            : throw new InvalidOperationException($"The service did not start listening. Its output:{Environment.NewLine}{Output}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _database.Dispose();
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        const string Listening = "Now listening on: ";
        var at = line.IndexOf(Listening, StringComparison.Ordinal);
        if (at >= 0)
        {
            _listening.TrySetResult(new Uri(line[(at + Listening.Length)..].Trim()));
        }
    }
}
