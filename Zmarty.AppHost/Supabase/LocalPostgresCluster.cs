using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Zmarty.AppHost.Supabase;

/// <summary>A process-mode server's data directory: made by initdb on first start, freed of a server an earlier run left.</summary>
internal static partial class LocalPostgresCluster
{
    private const string ServiceUser = "postgres";

    private static readonly HashSet<string> s_resetThisRun = new(StringComparer.Ordinal);

    /// <summary>
    /// <paramref name="dataDirectory"/>/<paramref name="server"/>, unless the postgres user cannot enter it
    /// (a checkout under /root): then a folder under /var/lib/zmarty named after it.
    /// </summary>
    public static string DataDirectory(string dataDirectory, string server)
    {
        if (!Posix.IsRoot || ServiceUserCanReach(dataDirectory))
        {
            return Path.Combine(dataDirectory, server);
        }

        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataDirectory))))[..16];
        return Path.Combine("/var/lib/zmarty", key, server);
    }

    public static async Task PrepareAsync(
        PostgresBinaries binaries, string dataDirectory, string password, bool reset, ILogger logger, CancellationToken cancellationToken)
    {
        await StopLeftoverServerAsync(dataDirectory, logger, cancellationToken);
        bool wipe;
        lock (s_resetThisRun)
        {
            // --reset wipes the data once per run, not again when the server restarts.
            wipe = reset && s_resetThisRun.Add(dataDirectory);
        }

        if (wipe && Directory.Exists(dataDirectory))
        {
            LogWiping(logger, dataDirectory);
            Directory.Delete(dataDirectory, recursive: true);
        }

        if (!File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            await InitializeAsync(binaries, dataDirectory, password, logger, cancellationToken);
        }
    }

    private static async Task InitializeAsync(
        PostgresBinaries binaries, string dataDirectory, string password, ILogger logger, CancellationToken cancellationToken)
    {
        LogInitialising(logger, dataDirectory);
        if (Directory.Exists(dataDirectory))
        {
            // What an abandoned initdb left: initdb refuses a directory that is not empty.
            Directory.Delete(dataDirectory, recursive: true);
        }

        Directory.CreateDirectory(dataDirectory);
        var passwordFile = Path.Combine(Path.GetDirectoryName(dataDirectory)!, $".{Path.GetFileName(dataDirectory)}.pwfile");
        try
        {
            // Created 0600: a chmod after writing would leave the password world-readable for a moment.
            await using (var file = new FileStream(passwordFile, new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            await using (var writer = new StreamWriter(file))
            {
                await writer.WriteAsync(password.AsMemory(), cancellationToken);
            }

            await HandToServiceUserAsync(dataDirectory, cancellationToken);
            await HandToServiceUserAsync(passwordFile, cancellationToken);
            var (exitCode, output) = await RunAsServiceUserAsync(binaries.InitDb,
            [
                "-D", dataDirectory, "-U", ServiceUser, "--pwfile", passwordFile,
                "--auth-host=scram-sha-256", "--auth-local=peer",
                "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
            ], cancellationToken);
            if (exitCode != 0)
            {
                throw new AppHostException($"initdb for {dataDirectory} failed (exit {exitCode}):{Environment.NewLine}{output}");
            }
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    /// <summary>A server an earlier run left behind (the AppHost was killed) still holds the data directory; stop it.</summary>
    private static async Task StopLeftoverServerAsync(string dataDirectory, ILogger logger, CancellationToken cancellationToken)
    {
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile)
            || !int.TryParse((await File.ReadAllLinesAsync(pidFile, cancellationToken)).FirstOrDefault(), out var pid)
            || !IsPostgres(pid))
        {
            return;
        }

        LogStoppingLeftover(logger, pid);
        // Fast shutdown, then immediate, then SIGKILL.
        foreach (var (signal, seconds) in new[] { (Posix.SigInt, 15), (Posix.SigQuit, 5), (Posix.SigKill, 5) })
        {
            if (!Posix.Signal(pid, signal))
            {
                return;
            }

            for (var i = 0; i < seconds * 20 && Posix.IsAlive(pid); i++)
            {
                await Task.Delay(50, cancellationToken);
            }

            if (!Posix.IsAlive(pid))
            {
                return;
            }
        }
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

    private static async Task<(int ExitCode, string Output)> RunAsServiceUserAsync(
        string program, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Posix.IsRoot ? "setpriv" : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Posix.IsRoot)
        {
            foreach (var argument in new[] { $"--reuid={ServiceUser}", $"--regid={ServiceUser}", "--init-groups", "--", program })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new AppHostException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // An abandoned start must not leave initdb (and the single-user postgres it runs, which holds
            // postmaster.pid) working in the data directory: the next start would find the lock taken.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw;
        }

        return (process.ExitCode, await output + await errors);
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

    /// <summary>True when the postgres user can enter <paramref name="directory"/> (or the folder it will be made in).</summary>
    private static bool ServiceUserCanReach(string directory)
    {
        var existing = directory;
        while (!Directory.Exists(existing))
        {
            existing = Path.GetDirectoryName(existing) ?? "/";
        }

        using var probe = Process.Start(new ProcessStartInfo("setpriv",
            [$"--reuid={ServiceUser}", $"--regid={ServiceUser}", "--init-groups", "--", "/usr/bin/test", "-x", existing]));
        probe!.WaitForExit();
        return probe.ExitCode == 0;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "initialising a new database cluster in {DataDirectory}")]
    private static partial void LogInitialising(ILogger logger, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "--reset: deleting {DataDirectory}")]
    private static partial void LogWiping(ILogger logger, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "stopping a server an earlier run left running (pid {Pid})")]
    private static partial void LogStoppingLeftover(ILogger logger, int pid);
}
