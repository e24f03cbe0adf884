using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Zmarty.AppHost.Hosting;
using Zmarty.AppHost.Processes;

namespace Zmarty.AppHost.Postgres;

/// <summary>
/// One real PostgreSQL 15 server on loopback with its own data directory: what a Supabase project's
/// database is, minus the rest of Supabase. Its database is <c>postgres</c>, like a Supabase project's.
/// </summary>
internal sealed class PostgresServer(
    string name,
    PostgresBinaries binaries,
    string dataDirectory,
    int port,
    string password,
    bool preloadPgCron,
    bool durable,
    ResourceLog log,
    Action<string, int>? processStarted,
    Action<int> exitedUnexpectedly) : IAsyncDisposable
{
    private const string ServiceUser = "postgres";

    private Process? _process;
    private volatile bool _stopping;

    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    public string ConnectionString => LocalConnectionString(port, password);

    public string DisplayUrl => $"postgresql://{ServiceUser}@127.0.0.1:{port}/postgres";

    /// <summary>
    /// How the services and tools reach a local server: loopback, database <c>postgres</c>, the superuser unless a role is named.
    /// </summary>
    public static string LocalConnectionString(int port, string password, string? role = null) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = port,
        Database = "postgres",
        Username = role ?? ServiceUser,
        Password = password,
    }.ConnectionString;

    /// <summary>
    /// A service role's local password: derived from the server's own, so it needs no secret of its own
    /// and stays the same across runs, and differs per role, so one service's password opens no other's.
    /// </summary>
    public static string RolePassword(string serverPassword, string role) =>
        Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(serverPassword), System.Text.Encoding.UTF8.GetBytes("zmarty service role " + role)));

    /// <summary>Lets <paramref name="role"/> log in with its local password (a role the migrations made without LOGIN).</summary>
    public static async Task EnableRoleLoginAsync(
        string superuserConnectionString, string role, string password, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(superuserConnectionString);
        await connection.OpenAsync(cancellationToken);
        // ALTER ROLE takes no parameters; both values are quoted by the server.
        await using var quote = new NpgsqlCommand("select format('alter role %I with login password %L', $1::text, $2::text)", connection);
        quote.Parameters.Add(new() { Value = role });
        quote.Parameters.Add(new() { Value = password });
        var statement = (string)(await quote.ExecuteScalarAsync(cancellationToken))!;
        await using var alter = new NpgsqlCommand(statement, connection);
        await alter.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The same as a URI psql accepts.</summary>
    public static string LocalUri(int port, string password) =>
        $"postgresql://{ServiceUser}:{Uri.EscapeDataString(password)}@127.0.0.1:{port}/postgres";

    public async Task StartAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await StopLeftoverServerAsync(dataDirectory, cancellationToken, log);
        if (!File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            await InitializeAsync(cancellationToken);
        }

        _stopping = false;
        // INT when the AppHost dies: a fast shutdown, which rolls back open work and leaves the data consistent.
        _process = await StartAsServiceUserAsync(binaries.Postgres, ServerArguments());
        processStarted?.Invoke(name, _process.Id);
        log.Attach(_process, () => _stopping, exitedUnexpectedly);
        await WaitUntilAcceptingConnectionsAsync(timeout, cancellationToken);
    }

    private IEnumerable<string> ServerArguments()
    {
        var settings = new Dictionary<string, string>
        {
            ["listen_addresses"] = "127.0.0.1",
            ["port"] = port.ToString(CultureInfo.InvariantCulture),
            // TCP only: the socket directory Debian uses is not ours to write when we are not root.
            ["unix_socket_directories"] = "",
            ["logging_collector"] = "off",
            ["log_line_prefix"] = "%m [%p] ",
            ["max_connections"] = "200",
        };
        if (preloadPgCron)
        {
            settings["shared_preload_libraries"] = "pg_cron";
            settings["cron.database_name"] = "postgres";
            // Jobs run in background workers, so pg_cron needs no password to connect back to us.
            settings["cron.use_background_workers"] = "on";
            settings["max_worker_processes"] = "32";
        }
        if (!durable)
        {
            settings["fsync"] = "off";
            settings["synchronous_commit"] = "off";
            settings["full_page_writes"] = "off";
        }

        yield return "-D";
        yield return dataDirectory;
        foreach (var (key, value) in settings)
        {
            yield return "-c";
            yield return $"{key}={value}";
        }
    }

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        log.Write($"initialising a new database cluster in {dataDirectory}");
        Directory.CreateDirectory(dataDirectory);
        var passwordFile = Path.Combine(dataDirectory, "..", $".{name}.pwfile");
        try
        {
            // Created 0600: a chmod after writing would leave the password world-readable for a moment.
            await using (var file = new FileStream(passwordFile, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            await using (var writer = new StreamWriter(file))
            {
                await writer.WriteAsync(password.AsMemory(), cancellationToken);
            }

            await HandToServiceUserAsync(dataDirectory, cancellationToken);
            await HandToServiceUserAsync(passwordFile, cancellationToken);

            using var initdb = await StartAsServiceUserAsync(binaries.InitDb,
            [
                "-D", dataDirectory, "-U", ServiceUser, "--pwfile", passwordFile,
                "--auth-host=scram-sha-256", "--auth-local=peer",
                "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
            ]);
            var output = new List<string>();
            initdb.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.Add(e.Data); } } };
            initdb.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.Add(e.Data); } } };
            initdb.BeginOutputReadLine();
            initdb.BeginErrorReadLine();
            try
            {
                await initdb.WaitForExitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // An abandoned start must not leave initdb (and the single-user postgres it runs, which holds
                // postmaster.pid) working in the data directory: the next start would find the lock taken.
                initdb.Kill(entireProcessTree: true);
                await initdb.WaitForExitAsync(CancellationToken.None);
                throw;
            }

            if (initdb.ExitCode != 0)
            {
                throw new AppHostException(
                    $"initdb for {name} failed (exit {initdb.ExitCode}):{Environment.NewLine}{string.Join(Environment.NewLine, output)}");
            }
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    private async Task WaitUntilAcceptingConnectionsAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Timeout = 2, Pooling = false };
        while (true)
        {
            if (_process!.HasExited)
            {
                throw await log.ExitedWhileStartingAsync(_process);
            }

            try
            {
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(cancellationToken);
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                if (deadline.Elapsed > timeout)
                {
                    throw new AppHostException(
                        $"{name} did not accept connections within {timeout.TotalSeconds:0} s ({ex.Message}). " +
                        $"Its last log lines:{Environment.NewLine}{log.Tail()}");
                }

                await Task.Delay(100, cancellationToken);
            }
        }
    }

    /// <summary>
    /// A server an earlier run left behind (the AppHost was killed) still holds the data directory;
    /// stop it so this run can start cleanly.
    /// </summary>
    public static async Task StopLeftoverServerAsync(
        string dataDirectory, CancellationToken cancellationToken, ResourceLog? log = null)
    {
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile)
            || !int.TryParse((await File.ReadAllLinesAsync(pidFile, cancellationToken)).FirstOrDefault(), out var pid)
            || !IsPostgres(pid))
        {
            return;
        }

        log?.Write($"stopping a server an earlier run left running (pid {pid})");
        await ShutDownAsync(pid, () => !Posix.IsAlive(pid), cancellationToken);
    }

    private static bool IsPostgres(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim() == "postgres";
        }
        catch (IOException)
        {
            return false;
        }
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
            var process = _process;
            await ShutDownAsync(process.Id, () => process.HasExited, CancellationToken.None);
        }

        _process.Dispose();
        _process = null;
    }

    /// <summary>Fast shutdown (SIGINT), then immediate (SIGQUIT), then SIGKILL.</summary>
    private static async Task ShutDownAsync(int pid, Func<bool> hasExited, CancellationToken cancellationToken)
    {
        foreach (var (signal, wait) in new[] { (Posix.SigInt, 15), (Posix.SigQuit, 5), (9, 5) })
        {
            if (!Posix.Signal(pid, signal))
            {
                return;
            }

            for (var i = 0; i < wait * 20 && !hasExited(); i++)
            {
                await Task.Delay(50, cancellationToken);
            }

            if (hasExited())
            {
                return;
            }
        }
    }

    /// <summary>initdb and postgres refuse to run as root: as root, run them as the postgres user.</summary>
    private static Task<Process> StartAsServiceUserAsync(string program, IEnumerable<string> arguments)
    {
        var startInfo = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        return ChildProcess.StartAsync(startInfo, "INT", Posix.IsRoot ? ServiceUser : null);
    }

    private static async Task HandToServiceUserAsync(string path, CancellationToken cancellationToken)
    {
        if (!Posix.IsRoot)
        {
            return;
        }

        using var chown = Process.Start("chown", ["-R", $"{ServiceUser}:{ServiceUser}", path]);
        await chown.WaitForExitAsync(cancellationToken);
        if (chown.ExitCode != 0)
        {
            throw new AppHostException($"Could not give {path} to the {ServiceUser} user (chown exit {chown.ExitCode}).");
        }
    }

    /// <summary>
    /// True when the postgres user can reach <paramref name="directory"/>. A checkout under a private
    /// home (say /root) is not reachable, and the server could not open its own data there.
    /// </summary>
    public static async Task<bool> ServiceUserCanReachAsync(string directory, CancellationToken cancellationToken)
    {
        if (!Posix.IsRoot)
        {
            return true;
        }

        using var probe = await StartAsServiceUserAsync("/usr/bin/test", ["-x", directory]);
        await probe.WaitForExitAsync(cancellationToken);
        return probe.ExitCode == 0;
    }
}
