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

    /// <summary>Where the resolved mode is kept for the rest of the run (the startup report prints it).</summary>
    public const string ResolvedModeKey = Section + ":ResolvedMode";

    /// <summary>Why auto chose processes, when it did.</summary>
    public const string ResolvedReasonKey = Section + ":ResolvedModeReason";

    /// <summary>Read once per model: the container probe takes a moment, and both databases must agree.</summary>
    public static SupabaseSettings Of(IDistributedApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(Section);
        var mode = builder.Configuration[ResolvedModeKey] switch
        {
            nameof(PostgresMode.Container) => PostgresMode.Container,
            nameof(PostgresMode.Process) => PostgresMode.Process,
            _ => ResolveMode(builder, section["Mode"], section["BaseImage"] ?? DefaultBaseImage),
        };
        builder.Configuration[ResolvedModeKey] = mode.ToString();

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

    private static PostgresMode ResolveMode(IDistributedApplicationBuilder builder, string? configured, string baseImage)
    {
        switch (configured?.ToLowerInvariant())
        {
            case null or "" or "auto":
                // Containers only where one really starts: an engine that answers but cannot run one would leave the
                // databases "Created" for good.
                var why = ContainerEngine.WhyContainersCannotRun(baseImage);
                builder.Configuration[ResolvedReasonKey] = why;
                return why is null ? PostgresMode.Container : PostgresMode.Process;
            case "container":
                return PostgresMode.Container;
            case "process":
                return PostgresMode.Process;
            default:
                throw new AppHostException($"--postgres (Supabase:Mode) must be container, process or auto, not '{configured}'.");
        }
    }
}
