namespace Zmarty.AppHost.Supabase;

/// <summary>The PostgreSQL 15 server programs and the pg_cron library, as Debian's packages install them (process mode).</summary>
internal sealed record PostgresBinaries(string BinDirectory)
{
    private const string InstallHint =
        "Install them with: sudo apt-get install postgresql-15 postgresql-15-cron (./zmarty up and ./zmarty test do this for you).";

    public string InitDb => Path.Combine(BinDirectory, "initdb");
    public string Postgres => Path.Combine(BinDirectory, "postgres");

    /// <param name="binDirectory">Where initdb and postgres are (<c>Supabase:PostgresBin</c>); Debian's path when null.</param>
    public static PostgresBinaries Locate(string? binDirectory)
    {
        binDirectory ??= "/usr/lib/postgresql/15/bin";
        if (!File.Exists(Path.Combine(binDirectory, "initdb")) || !File.Exists(Path.Combine(binDirectory, "postgres")))
        {
            throw new AppHostException($"PostgreSQL 15 server programs (initdb, postgres) were not found in {binDirectory}. {InstallHint}");
        }

        var libDirectory = Path.Combine(Path.GetDirectoryName(binDirectory)!, "lib");
        if (!File.Exists(Path.Combine(libDirectory, "pg_cron.so")))
        {
            throw new AppHostException($"pg_cron was not found in {libDirectory}. {InstallHint}");
        }

        return new PostgresBinaries(binDirectory);
    }
}
