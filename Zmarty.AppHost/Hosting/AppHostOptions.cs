namespace Zmarty.AppHost.Hosting;

/// <summary>How one run lays out the local environment. Defaults suit <c>./zmarty up</c>; the testing builder changes them.</summary>
public sealed class AppHostOptions
{
    /// <summary>The checkout: the service projects and the model's <c>supabase/</c> folders are found under it.</summary>
    public required string RepositoryRoot { get; set; }

    /// <summary>Where databases and local secrets are kept between runs (<c>.zmarty/</c> by default).</summary>
    public required string DataDirectory { get; set; }

    /// <summary>Wipe <see cref="DataDirectory"/> before starting.</summary>
    public bool Reset { get; set; }

    /// <summary>Where <c>initdb</c> and <c>postgres</c> are; found on the usual Debian paths when null.</summary>
    public string? PostgresBinDirectory { get; set; }

    /// <summary>Where <c>pg_cron.so</c> is; beside the binaries' <c>lib</c> folder when null.</summary>
    public string? PostgresLibDirectory { get; set; }

    /// <summary>Apply the migrations to external databases too (never the local Supabase emulation).</summary>
    public bool MigrateExternalDatabases { get; set; }

    /// <summary>
    /// Durable databases fsync as usual. Throw-away test databases skip fsync, which makes them
    /// several times faster to create and fill.
    /// </summary>
    public bool DurableDatabases { get; set; } = true;

    /// <summary>How long a resource may take to become healthy before the start is abandoned.</summary>
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The build configuration whose service outputs are started (the AppHost's own by default).</summary>
    public string BuildConfiguration { get; set; } = AppHostAssembly.Configuration;

    /// <summary>Delete the data directory when the application is disposed (throw-away test environments).</summary>
    public bool DeleteDataOnDispose { get; set; }

    /// <summary>Told of every process the AppHost starts (resource name, PID), so tests can check none is left.</summary>
    public Action<string, int>? ProcessStarted { get; set; }

    /// <summary>Receives every resource's log lines, prefixed with its name; null discards them.</summary>
    public Action<string>? Log { get; set; }

    /// <summary>The options <c>./zmarty up</c> uses: this checkout, <c>.zmarty/</c>, logs to the console.</summary>
    public static AppHostOptions ForCheckout()
    {
        var root = AppHostAssembly.FindRepositoryRoot();
        return new AppHostOptions
        {
            RepositoryRoot = root,
            DataDirectory = Path.Combine(root, ".zmarty"),
            Log = Console.Out.WriteLine,
        };
    }
}
