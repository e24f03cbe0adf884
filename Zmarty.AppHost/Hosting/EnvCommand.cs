using Npgsql;
using Zmarty.AppHost.Model;

namespace Zmarty.AppHost.Hosting;

/// <summary>
/// <c>./zmarty env</c>: the model as <c>export</c> lines: <c>ZMARTY_NAME_URL</c> for each service,
/// <c>ZMARTY_NAME_DB</c> for each database (a URI psql takes), <c>ZMARTY_NAME</c> for each parameter.
/// </summary>
internal static class EnvCommand
{
    public static int Run(DistributedApplication app)
    {
        var secrets = LocalSecrets.TryLoad(app.Options.DataDirectory)
            ?? throw new AppHostException($"No local secrets in {app.Options.DataDirectory} yet: run ./zmarty up once first.");

        foreach (var project in app.Model.OfType<ProjectResource>())
        {
            Export(project.Name + "_URL", DistributedApplication.Url(project).ToString().TrimEnd('/'));
        }

        foreach (var database in app.Model.OfType<PostgresDatabaseResource>())
        {
            Export(database.Name + "_DB", Uri(app.ConnectionString(database, secrets)));
        }

        foreach (var parameter in app.Model.OfType<ParameterResource>())
        {
            Export(parameter.Name, secrets.ValueOf(parameter));
        }

        return 0;
    }

    private static string Uri(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"postgresql://{System.Uri.EscapeDataString(builder.Username ?? "postgres")}:{System.Uri.EscapeDataString(builder.Password ?? "")}" +
            $"@{builder.Host}:{builder.Port}/{builder.Database ?? "postgres"}";
    }

    private static void Export(string name, string value) =>
        Console.WriteLine(
            $"export ZMARTY_{name.Replace('-', '_').ToUpperInvariant()}='{value.Replace("'", "'\\''", StringComparison.Ordinal)}'");
}
