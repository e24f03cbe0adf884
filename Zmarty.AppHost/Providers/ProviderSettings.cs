using Microsoft.Extensions.Configuration;

namespace Zmarty.AppHost.Providers;

/// <summary>
/// A real provider's settings given to the AppHost (environment variables such as <c>Cryptometer__ApiKey</c>, or user
/// secrets) reach the service that calls the provider, in place of the emulator; every other provider keeps its
/// emulator (docs/env.md, "Real providers locally").
/// </summary>
internal static class ProviderSettings
{
    private static readonly string[] s_secrets = ["ApiKey", "Password"];

    /// <summary>Whether <paramref name="section"/> names credentials of its own, so the real provider is to be called.</summary>
    public static bool HasCredentials(IConfiguration configuration, string section) =>
        !string.IsNullOrEmpty(configuration[$"{section}:ApiKey"]) || !string.IsNullOrEmpty(configuration[$"{section}:Password"]);

    /// <summary>
    /// Passes every setting under <paramref name="section"/> to the project as its environment variable. Keys and
    /// passwords go as secret parameters, which the dashboard masks.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithSettingsFrom(
        this IResourceBuilder<ProjectResource> project, IDistributedApplicationBuilder builder, string section)
    {
        foreach (var (key, value) in builder.Configuration.GetSection(section).AsEnumerable())
        {
            if (string.IsNullOrEmpty(value))
            {
                continue;
            }

            var variable = key.Replace(":", "__", StringComparison.Ordinal);
            if (s_secrets.Contains(key.Split(':')[^1], StringComparer.OrdinalIgnoreCase))
            {
                var parameter = $"{project.Resource.Name}-{key.Replace(':', '-')}".ToLowerInvariant();
                project.WithEnvironment(variable, builder.AddParameterFromConfiguration(parameter, key, secret: true));
            }
            else
            {
                project.WithEnvironment(variable, value);
            }
        }

        return project;
    }
}
