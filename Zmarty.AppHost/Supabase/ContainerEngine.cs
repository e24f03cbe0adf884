using System.Diagnostics;

namespace Zmarty.AppHost.Supabase;

/// <summary>
/// The container engine the AppHost uses, and whether it can really run a container here. A bare
/// <c>dotnet run --project Zmarty.AppHost</c> gets the same settings as <c>./zmarty up</c>: podman, with the
/// repository's containers.conf (runc and ulimits this sandbox allows), set in the AppHost's own environment
/// before the orchestrator starts, so that it and every podman it runs inherit them. Without them podman's
/// defaults leave containers in "Created" for good.
/// </summary>
internal static class ContainerEngine
{
    public const string RuntimeVariable = "ASPIRE_CONTAINER_RUNTIME";

    /// <summary>The settings file, relative to the checkout.</summary>
    public const string SettingsFile = "supabase/image/containers.conf";

    private static readonly TimeSpan s_probeTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The engine's name, as Aspire reads it.</summary>
    public static string Runtime =>
        Environment.GetEnvironmentVariable(RuntimeVariable) is { Length: > 0 } runtime ? runtime : "podman";

    /// <summary>
    /// Sets what <c>./zmarty</c> would have set and the caller did not: a variable the caller set is kept.
    /// </summary>
    public static void UseRepositorySettings(string repositoryRoot)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(RuntimeVariable))
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_" + RuntimeVariable)))
        {
            Environment.SetEnvironmentVariable(RuntimeVariable, "podman");
        }

        var settings = Path.Combine(repositoryRoot, SettingsFile);
        if (Runtime == "podman" && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CONTAINERS_CONF")) && File.Exists(settings))
        {
            Environment.SetEnvironmentVariable("CONTAINERS_CONF", settings);
        }
    }

    /// <summary>
    /// Null when a container of <paramref name="image"/> starts and exits here (the engine answers, the image is
    /// there, and its runtime can start a process); else why not, as a sentence.
    /// </summary>
    public static string? WhyContainersCannotRun(string image)
    {
        var (inspected, inspectOutput) = Run(["image", "inspect", "--format", "{{.Id}}", image]);
        if (inspected is null)
        {
            return $"{Runtime} is not installed or did not answer ({inspectOutput})";
        }

        if (inspected != 0)
        {
            return $"{Runtime} has no image {image} yet (./zmarty up makes it from Debian's packages)";
        }

        var (ran, runOutput) = Run(["run", "--rm", "--network", "none", "--entrypoint", "/bin/true", image]);
        return ran == 0 ? null : $"{Runtime} cannot start a container here: {runOutput}";
    }

    private static (int? ExitCode, string Output) Run(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(Runtime, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        try
        {
            using var process = Process.Start(start);
            if (process is null)
            {
                return (null, "no process");
            }

            var error = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(s_probeTimeout))
            {
                process.Kill(entireProcessTree: true);
                return (null, $"no answer within {s_probeTimeout.TotalSeconds:0} s");
            }

            var lines = error.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return (process.ExitCode, lines.Length > 0 ? lines[^1] : $"exit code {process.ExitCode}");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (null, ex.Message);
        }
    }
}
