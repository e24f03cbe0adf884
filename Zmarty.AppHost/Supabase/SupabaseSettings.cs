using System.Diagnostics;
using Microsoft.Extensions.Configuration;

namespace Zmarty.AppHost.Supabase;

/// <summary>How the local Supabase databases run: in a container, or as processes from Debian's binaries.</summary>
public enum PostgresMode
{
    Container,
    Process,
}

/// <summary>
/// The <c>Supabase</c> configuration section: how the AppHost runs the two local databases.
/// <c>./zmarty up --postgres container|process</c> sets <see cref="Mode"/>; tests set the rest.
/// </summary>
internal sealed record SupabaseSettings(
    PostgresMode Mode, string RepositoryRoot, string DataDirectory, bool Durable, bool Reset, string? PostgresBin, string BaseImage)
{
    public const string Section = "Supabase";

    /// <summary>
    /// The base of the container image (supabase/image/Dockerfile's BASE): made from Debian's packages by
    /// supabase/image/build-local-base.sh; <c>docker.io/library/postgres:15-bookworm</c> where a registry is reachable.
    /// </summary>
    public const string DefaultBaseImage = "localhost/zmarty/debian-postgres:15";

    /// <summary>Read once per model: the container probe takes a moment, and both databases must agree.</summary>
    public static SupabaseSettings Of(IDistributedApplicationBuilder builder)
    {
        const string resolvedKey = Section + ":ResolvedMode";
        var section = builder.Configuration.GetSection(Section);
        var mode = builder.Configuration[resolvedKey] switch
        {
            nameof(PostgresMode.Container) => PostgresMode.Container,
            nameof(PostgresMode.Process) => PostgresMode.Process,
            _ => ResolveMode(section["Mode"], section["BaseImage"] ?? DefaultBaseImage),
        };
        builder.Configuration[resolvedKey] = mode.ToString();

        // The checkout whose supabase/ folders are applied; a test points it at a folder of its own.
        var root = section["RepositoryRoot"] ?? Commands.AppHostAssembly.FindRepositoryRoot();
        return new SupabaseSettings(
            mode,
            root,
            Path.GetFullPath(section["DataDirectory"] ?? Path.Combine(root, ".zmarty")),
            section.GetValue("Durable", defaultValue: true),
            section.GetValue("Reset", defaultValue: false),
            section["PostgresBin"],
            section["BaseImage"] ?? DefaultBaseImage);
    }

    private static PostgresMode ResolveMode(string? configured, string baseImage) => configured?.ToLowerInvariant() switch
    {
        null or "" or "auto" => ContainerEngineWorks(baseImage) ? PostgresMode.Container : PostgresMode.Process,
        "container" => PostgresMode.Container,
        "process" => PostgresMode.Process,
        _ => throw new AppHostException($"--postgres (Supabase:Mode) must be container, process or auto, not '{configured}'."),
    };

    /// <summary>
    /// Containers when the engine Aspire would use answers and holds the base image; else processes. An
    /// engine without it means the base script has not run (./zmarty runs it where podman works).
    /// </summary>
    private static bool ContainerEngineWorks(string baseImage)
    {
        var engine = Environment.GetEnvironmentVariable("ASPIRE_CONTAINER_RUNTIME") ?? "podman";
        try
        {
            using var probe = Process.Start(new ProcessStartInfo(engine, ["image", "inspect", baseImage])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (probe is null || !probe.WaitForExit(TimeSpan.FromSeconds(20)))
            {
                return false;
            }

            return probe.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
