using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

public static class NpgsqlExtensions
{
    /// <summary>
    /// Registers a keyed <see cref="NpgsqlDataSource"/> for the connection string <paramref name="name"/>
    /// (<c>ConnectionStrings__{name}</c>), and a readiness check that opens a connection through it,
    /// as Aspire.Npgsql's <c>AddKeyedNpgsqlDataSource</c> does.
    /// </summary>
    public static TBuilder AddNpgsqlDataSource<TBuilder>(this TBuilder builder, string name)
        where TBuilder : IHostApplicationBuilder
    {
        var connectionString = builder.Configuration.GetConnectionString(name);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"The connection string '{name}' is missing. Set ConnectionStrings__{name} " +
                "(the AppHost does this for local runs; see docs/env.md).");
        }

        builder.Services.AddNpgsqlDataSource(
            connectionString,
            dataSource => dataSource.Name = name,
            serviceKey: name);

        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            $"postgres-{name}",
            services => new NpgsqlHealthCheck(services.GetRequiredKeyedService<NpgsqlDataSource>(name)),
            HealthStatus.Unhealthy,
            tags: ["ready", "db"],
            timeout: TimeSpan.FromSeconds(5)));

        return builder;
    }

    private sealed class NpgsqlHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(
            HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var command = dataSource.CreateCommand("select 1");
                await command.ExecuteScalarAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or OperationCanceledException)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, exception: ex);
            }
        }
    }
}
