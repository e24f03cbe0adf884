using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Zmarty.AppHost.Commands;

/// <summary>
/// <c>./zmarty env</c>: the model as <c>export</c> lines: <c>ZMARTY_NAME_URL</c> for each service and for each
/// provider root a service is given (<c>Cryptometer__BaseUrl</c>: <c>ZMARTY_CRYPTOMETER_URL</c>), the dashboard
/// and its OTLP receivers, <c>ZMARTY_NAME_DB</c> for each database (a URI psql takes), <c>ZMARTY_NAME</c> for each parameter.
/// </summary>
internal static class EnvCommand
{
    public static async Task<int> RunAsync(DistributedApplicationModel model, IConfiguration configuration)
    {
        foreach (var (name, value) in await VariablesAsync(model, configuration))
        {
            Console.WriteLine($"export {name}='{value.Replace("'", "'\\''", StringComparison.Ordinal)}'");
        }

        return 0;
    }

    internal static async Task<List<(string Name, string Value)>> VariablesAsync(
        DistributedApplicationModel model, IConfiguration configuration)
    {
        KeptSecrets.Require(model, configuration);
        var variables = new List<(string, string)>();
        var projects = model.Resources.OfType<ProjectResource>().ToList();
        foreach (var project in projects)
        {
            variables.Add(Named(project.Name + "_URL", project.GetEndpoint("http").Url));
        }

        variables.Add(Named("DASHBOARD_URL", First(configuration["ASPNETCORE_URLS"])));
        variables.Add(Named("DASHBOARD_OTLP_GRPC_URL", First(configuration["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"])));
        variables.Add(Named("DASHBOARD_OTLP_HTTP_URL", First(configuration["ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL"])));
        // Empty when the dashboard takes OTLP without a key (ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS).
        variables.Add(Named("DASHBOARD_OTLP_API_KEY", configuration["AppHost:OtlpApiKey"] ?? ""));

        var providerRoots = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var project in projects)
        {
            foreach (var (key, value) in await EnvironmentOfAsync(project))
            {
                if (key.EndsWith("__BaseUrl", StringComparison.Ordinal))
                {
                    providerRoots.TryAdd(key.Split("__")[0] + "_URL", value);
                }
            }
        }

        variables.AddRange(providerRoots.Select(root => Named(root.Key, root.Value)));
        foreach (var database in model.Resources.OfType<IResourceWithConnectionString>().Where(r => r is IResourceWithParent))
        {
            variables.Add(Named(database.Name + "_DB", Uri(await database.GetConnectionStringAsync() ?? "")));
        }

        foreach (var parameter in model.Resources.OfType<ParameterResource>())
        {
            variables.Add(Named(parameter.Name, await parameter.GetValueAsync(CancellationToken.None) ?? ""));
        }

        return variables;
    }

    /// <summary>What the orchestrator would give <paramref name="resource"/> as its environment.</summary>
    internal static async Task<IReadOnlyDictionary<string, string>> EnvironmentOfAsync(IResourceWithEnvironment resource)
    {
        var configuration = await ExecutionConfigurationBuilder.Create(resource)
            .WithEnvironmentVariablesConfig()
            .BuildAsync(new(DistributedApplicationOperation.Run), NullLogger.Instance, CancellationToken.None);
        return configuration.EnvironmentVariables.ToDictionary(StringComparer.Ordinal);
    }

    private static string First(string? urls) => urls?.Split(';')[0] ?? "";

    private static string Uri(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var user = System.Uri.EscapeDataString(builder.Username ?? "postgres");
        return $"postgresql://{user}:{System.Uri.EscapeDataString(builder.Password ?? "")}" +
            $"@{builder.Host}:{builder.Port}/{builder.Database ?? "postgres"}";
    }

    private static (string, string) Named(string name, string value) => ($"ZMARTY_{name.Replace('-', '_').ToUpperInvariant()}", value);
}
