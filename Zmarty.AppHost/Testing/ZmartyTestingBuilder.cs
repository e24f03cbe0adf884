using Zmarty.AppHost.Hosting;
using Zmarty.AppHost.Model;

namespace Zmarty.AppHost.Testing;

/// <summary>
/// The AppHost's own model for a test, the way Aspire.Hosting.Testing's
/// DistributedApplicationTestingBuilder gives it: every port free, a throw-away data directory,
/// everything stopped and deleted on dispose. A test may change the model before it builds it.
/// </summary>
public static class ZmartyTestingBuilder
{
    private static readonly Lock s_logGate = new();

    /// <summary>
    /// The model with every port free. Like Aspire's testing builder, without the dashboard unless
    /// <paramref name="dashboard"/>: most tests do not read telemetry, and the suite starts hundreds of systems.
    /// </summary>
    public static DistributedApplicationBuilder Create(bool dashboard = false)
    {
        var options = new AppHostOptions
        {
            RepositoryRoot = AppHostAssembly.FindRepositoryRoot(),
            // Under /tmp, which the postgres user can always reach, unlike a checkout in /root.
            DataDirectory = Path.Combine(Path.GetTempPath(), "zmarty-test-" + Guid.NewGuid().ToString("N")[..12]),
            DurableDatabases = false,
            DeleteDataOnDispose = true,
        };
        // Nothing from the test runner's environment: a test says what it wants.
        var builder = new DistributedApplicationBuilder([], options, new Dictionary<string, string>());
        AppModel.AddResources(builder);
        if (!dashboard)
        {
            builder.RemoveResource(DashboardResource.ResourceName);
        }

        foreach (var resource in builder.Resources.Endpoints())
        {
            resource.Port = 0;
        }

        return builder;
    }

    /// <summary>Builds the model (changed by <paramref name="configure"/>), starts it and waits until every resource runs.</summary>
    public static async Task<DistributedApplication> StartAsync(
        Action<DistributedApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var builder = Create();
        LogTo(builder, Environment.GetEnvironmentVariable("ZMARTY_TEST_LOG"));
        configure?.Invoke(builder);
        var app = builder.Build();
        await app.StartAsync(cancellationToken);
        return app;
    }

    /// <summary>With <c>ZMARTY_TEST_LOG=FILE</c>, every system a test starts appends its resources' log lines to FILE.</summary>
    private static void LogTo(DistributedApplicationBuilder builder, string? file)
    {
        if (string.IsNullOrEmpty(file))
        {
            return;
        }

        builder.Options.Log = line =>
        {
            lock (s_logGate)
            {
                File.AppendAllText(file, line + Environment.NewLine);
            }
        };
    }

    /// <summary>The dashboard alone: no database, no service (its OTLP receivers and pages on their own).</summary>
    public static DistributedApplicationBuilder WithDashboardOnly(this DistributedApplicationBuilder builder)
    {
        foreach (var project in builder.Resources.Where(r => r is ProjectResource and not DashboardResource).Reverse().ToList())
        {
            builder.RemoveResource(project.Name);
        }

        foreach (var tokens in builder.Resources.OfType<DevTokensResource>().ToList())
        {
            builder.RemoveResource(tokens.Name);
        }

        foreach (var server in builder.Resources.OfType<PostgresServerResource>().ToList())
        {
            builder.RemoveResource(server.Name);
        }

        return builder;
    }

    /// <summary>Only the databases: every project removed, dependents first.</summary>
    public static DistributedApplicationBuilder WithoutProjects(this DistributedApplicationBuilder builder)
    {
        foreach (var project in builder.Resources.OfType<ProjectResource>().Reverse().ToList())
        {
            builder.RemoveResource(project.Name);
        }

        return builder;
    }
}
