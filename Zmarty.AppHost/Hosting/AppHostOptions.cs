namespace Zmarty.AppHost.Hosting;

/// <summary>Everything that decides how the local environment is laid out. Defaults suit <c>./zmarty up</c>.</summary>
public sealed class AppHostOptions
{
    /// <summary>The checkout: where the service projects and <c>supabase/</c> live.</summary>
    public required string RepositoryRoot { get; init; }

    /// <summary>Where databases and local secrets are kept between runs (<c>.zmarty/</c> by default).</summary>
    public required string DataDirectory { get; set; }

    /// <summary>Where <c>local/</c>, <c>chat/migrations</c> and <c>trading/migrations</c> are read from.</summary>
    public string? SupabaseDirectory { get; set; }

    public string SupabaseFolder => SupabaseDirectory ?? Path.Combine(RepositoryRoot, "supabase");

    /// <summary>Wipe <see cref="DataDirectory"/> before starting.</summary>
    public bool Reset { get; set; }

    /// <summary>Where <c>initdb</c> and <c>postgres</c> are; found on the usual Debian paths when null.</summary>
    public string? PostgresBinDirectory { get; set; }

    /// <summary>Where <c>pg_cron.so</c> is; PostgreSQL's <c>pg_config --pkglibdir</c> when null.</summary>
    public string? PostgresLibDirectory { get; set; }

    /// <summary>Ports by resource name; 0 picks a free port at start.</summary>
    public Dictionary<string, int> Ports { get; } = new(StringComparer.Ordinal)
    {
        [ResourceNames.Api] = 5100,
        [ResourceNames.AdminUi] = 5200,
        [ResourceNames.Worker] = 5400,
        [ResourceNames.Emulators] = 5300,
        [ResourceNames.SupabaseA] = 55432,
        [ResourceNames.SupabaseB] = 55433,
    };

    /// <summary>
    /// Connection strings given from outside (say a real Supabase project's) by connection name.
    /// A database named here gets no local server.
    /// </summary>
    public Dictionary<string, string> ExternalConnectionStrings { get; } = new(StringComparer.Ordinal);

    /// <summary>Apply <c>supabase/*/migrations</c> to external databases too (never <c>supabase/local</c>).</summary>
    public bool MigrateExternalDatabases { get; set; }

    /// <summary>Start Emulators, Api, Worker and AdminUi; false starts only the databases.</summary>
    public bool StartServices { get; set; } = true;

    /// <summary>
    /// Durable databases fsync as usual. Throw-away test databases skip fsync, which makes them
    /// several times faster to create and fill.
    /// </summary>
    public bool DurableDatabases { get; set; } = true;

    /// <summary>How long a resource may take to become healthy before the start is abandoned.</summary>
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The build configuration whose service outputs are started (the AppHost's own by default).</summary>
    public string BuildConfiguration { get; set; } = AppHostAssembly.Configuration;

    /// <summary>Extra environment for every service, after the AppHost's own (tests use it to tune services).</summary>
    public Dictionary<string, string> ServiceEnvironment { get; } = new(StringComparer.Ordinal);

    /// <summary>Delete the data directory when the application is disposed (throw-away test environments).</summary>
    public bool DeleteDataOnDispose { get; set; }

    /// <summary>Told of every process the AppHost starts (resource name, PID), so tests can check none is left.</summary>
    public Action<string, int>? ProcessStarted { get; set; }

    /// <summary>Receives every resource's log lines, prefixed with its name; null discards them.</summary>
    public Action<string>? Log { get; set; }

    public string PortOptionName(string resource) => $"--{resource}-port";

    public string PortEnvironmentName(string resource) =>
        $"ZMARTY_{resource.Replace('-', '_').ToUpperInvariant()}_PORT";
}
