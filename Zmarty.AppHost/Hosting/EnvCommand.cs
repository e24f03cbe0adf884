using Npgsql;
using Zmarty.AppHost.Model;

namespace Zmarty.AppHost.Hosting;

/// <summary>
/// <c>./zmarty env</c>: the model as <c>export</c> lines: <c>ZMARTY_NAME_URL</c> for each service and for each
/// endpoint a service is given (<c>Cryptometer__BaseUrl</c>: <c>ZMARTY_CRYPTOMETER_URL</c>), <c>ZMARTY_NAME_DB</c> for
/// each database (a URI psql takes), <c>ZMARTY_NAME</c> for each parameter.
/// </summary>
internal static class EnvCommand
{
    public static int Run(DistributedApplication app)
    {
        var secrets = LocalSecrets.TryLoad(app.Options.DataDirectory)
            ?? throw new AppHostException($"No local secrets in {app.Options.DataDirectory} yet: run ./zmarty up once first.");

        foreach (var (name, value) in Variables(app, secrets))
        {
            Console.WriteLine($"export {name}='{value.Replace("'", "'\\''", StringComparison.Ordinal)}'");
        }

        return 0;
    }

    /// <summary>What <see cref="Run"/> exports, in order: services, the dashboard's OTLP receivers, endpoints given to services, databases, parameters.</summary>
    internal static IEnumerable<(string Name, string Value)> Variables(DistributedApplication app, LocalSecrets secrets)
    {
        foreach (var project in app.Model.OfType<ProjectResource>())
        {
            yield return Named(project.Name + "_URL", DistributedApplication.Url(project).ToString().TrimEnd('/'));
        }

        foreach (var dashboard in app.Model.OfType<DashboardResource>())
        {
            yield return Named(dashboard.OtlpGrpc.Name + "_URL", DistributedApplication.Url(dashboard.OtlpGrpc).ToString().TrimEnd('/'));
            yield return Named(dashboard.OtlpHttp.Name + "_URL", DistributedApplication.Url(dashboard.OtlpHttp).ToString().TrimEnd('/'));
        }

        var endpoints = app.Model.OfType<ProjectResource>()
            .SelectMany(p => p.Environment)
            .Where(variable => variable.Value is EnvironmentValue.Endpoint)
            .DistinctBy(variable => variable.Key);
        foreach (var (key, value) in endpoints)
        {
            yield return Named(key.Split("__")[0] + "_URL", DistributedApplication.Url((EnvironmentValue.Endpoint)value).ToString());
        }

        foreach (var database in app.Model.OfType<PostgresDatabaseResource>())
        {
            yield return Named(database.Name + "_DB", Uri(app.ConnectionString(database, secrets)));
        }

        foreach (var parameter in app.Model.OfType<ParameterResource>())
        {
            yield return Named(parameter.Name, secrets.ValueOf(parameter));
        }
    }

    private static string Uri(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"postgresql://{System.Uri.EscapeDataString(builder.Username ?? "postgres")}:{System.Uri.EscapeDataString(builder.Password ?? "")}" +
            $"@{builder.Host}:{builder.Port}/{builder.Database ?? "postgres"}";
    }

    private static (string, string) Named(string name, string value) => ($"ZMARTY_{name.Replace('-', '_').ToUpperInvariant()}", value);
}
