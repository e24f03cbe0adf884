using Zmarty.AppHost.Hosting;

namespace Zmarty.AppHost.Postgres;

/// <summary>The PostgreSQL 15 server programs and the pg_cron library, as Debian's packages install them.</summary>
internal sealed record PostgresBinaries(string BinDirectory, string LibDirectory)
{
    private const string InstallHint =
        "Install them with: sudo apt-get install postgresql-15 postgresql-15-cron (./zmarty up and ./zmarty test do this for you).";

    public string InitDb => Path.Combine(BinDirectory, "initdb");
    public string Postgres => Path.Combine(BinDirectory, "postgres");

    public static PostgresBinaries Locate(AppHostOptions options)
    {
        var binCandidates = options.PostgresBinDirectory is { } bin
            ? [bin]
            : new[] { "/usr/lib/postgresql/15/bin" };
        var binDirectory = binCandidates.FirstOrDefault(dir =>
            File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "postgres")));
        if (binDirectory is null)
        {
            throw new AppHostException(
                $"PostgreSQL 15 server programs (initdb, postgres) were not found in {string.Join(", ", binCandidates)}. " +
                InstallHint);
        }

        var libDirectory = options.PostgresLibDirectory ?? Path.Combine(Path.GetDirectoryName(binDirectory)!, "lib");
        if (!File.Exists(Path.Combine(libDirectory, "pg_cron.so")))
        {
            throw new AppHostException($"pg_cron was not found in {libDirectory}. {InstallHint}");
        }

        return new PostgresBinaries(binDirectory, libDirectory);
    }
}
