using Microsoft.Extensions.DependencyInjection;

namespace Zmarty.AppHost.Supabase;

/// <summary>One PostgreSQL server run by the orchestrator as a process (process mode), reached on loopback.</summary>
public sealed class LocalPostgresServerResource(string name, string command, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    public ParameterResource Password { get; } = password;

    public EndpointReference Endpoint => new(this, EndpointName);

    /// <summary>The superuser, as Aspire's own Postgres resource gives it.</summary>
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={Endpoint.Property(EndpointProperty.Host)};Port={Endpoint.Property(EndpointProperty.Port)};" +
        $"Username=postgres;Password={Password}");
}

/// <summary>The server's <c>postgres</c> database (a Supabase project's), under its own name for the services.</summary>
public sealed class LocalPostgresDatabaseResource(string name, LocalPostgresServerResource parent)
    : Resource(name), IResourceWithParent<LocalPostgresServerResource>, IResourceWithConnectionString
{
    public LocalPostgresServerResource Parent { get; } = parent;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Parent.ConnectionStringExpression};Database=postgres");
}

/// <summary>Process mode: Debian's PostgreSQL 15 started by the orchestrator, as the postgres user when we are root.</summary>
internal static class LocalPostgres
{
    private const string ServiceUser = "postgres";

    public static IResourceBuilder<IResourceWithConnectionString> Add(
        IDistributedApplicationBuilder builder, string name, string databaseName, IResourceBuilder<ParameterResource> password,
        int port, SupabaseSettings settings, Dictionary<string, string> serverSettings)
    {
        var binaries = PostgresBinaries.Locate(settings.PostgresBin);
        var dataDirectory = LocalPostgresCluster.DataDirectory(settings.DataDirectory, name);
        var server = new LocalPostgresServerResource(name, "/bin/sh", AppContext.BaseDirectory, password.Resource);
        // PostgreSQL listens on the port itself: behind the orchestrator's proxy every query crossed one more process,
        // which took a sixth of the 2-core machine at 500 chats/s (docs/benchmarks.md), and a stopped server refuses
        // connections as a real outage does.
        var serverBuilder = builder.AddResource(server)
            .WithEndpoint(port: port, targetPort: port, name: LocalPostgresServerResource.EndpointName, scheme: "tcp", isProxied: false)
            .WithIconName("DatabaseMultiple")
            .WithArgs(context =>
            {
                // TERM from the orchestrator becomes a fast shutdown (postgres-server.sh); a killed AppHost takes the server along.
                context.Args.Add(Path.Combine(AppContext.BaseDirectory, "Supabase", "postgres-server.sh"));
                context.Args.Add("setpriv");
                context.Args.Add("--pdeathsig=INT");
                if (Posix.IsRoot)
                {
                    // initdb and postgres refuse to run as root.
                    context.Args.Add($"--reuid={ServiceUser}");
                    context.Args.Add($"--regid={ServiceUser}");
                    context.Args.Add("--init-groups");
                }

                context.Args.Add("--");
                context.Args.Add(binaries.Postgres);
                context.Args.Add("-D");
                context.Args.Add(dataDirectory);
                context.Args.Add("-c");
                context.Args.Add(ReferenceExpression.Create($"port={server.Endpoint.Property(EndpointProperty.TargetPort)}"));
                foreach (var (key, value) in serverSettings.Append(new("listen_addresses", "127.0.0.1"))
                    // TCP only: the socket directory Debian uses is not ours to write when we are not root.
                    .Append(new("unix_socket_directories", "")))
                {
                    context.Args.Add("-c");
                    context.Args.Add($"{key}={value}");
                }
            });

        var database = new LocalPostgresDatabaseResource(databaseName, server);
        var databaseBuilder = builder.AddResource(database)
            .WithIconName("Database")
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "PostgresDatabase",
                State = KnownResourceStates.NotStarted,
                Properties = [],
            });

        AddHealthCheck(builder, server, $"{name}_check");
        serverBuilder.WithHealthCheck($"{name}_check");

        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(server, async (@event, cancellationToken) =>
        {
            var logger = @event.Services.GetRequiredService<ResourceLoggerService>().GetLogger(server);
            var serverPassword = await password.Resource.GetValueAsync(cancellationToken) ?? "";
            await LocalPostgresCluster.PrepareAsync(binaries, dataDirectory, serverPassword, settings.Reset, logger, cancellationToken);
            await PublishAsync(@event.Services, database, KnownResourceStates.Starting);
        });
        // The orchestrator moves the children of containers along with them, not those of processes.
        builder.Eventing.Subscribe<ResourceReadyEvent>(server, (@event, _) =>
            PublishAsync(@event.Services, database, KnownResourceStates.Running));
        builder.Eventing.Subscribe<ResourceStoppedEvent>(server, (@event, _) =>
            PublishAsync(@event.Services, database, KnownResourceStates.Finished));
        return databaseBuilder;
    }

    private static Task PublishAsync(IServiceProvider services, LocalPostgresDatabaseResource database, string state) =>
        services.GetRequiredService<ResourceNotificationService>().PublishUpdateAsync(database, s => s with
        {
            State = state,
            StartTimeStamp = state == KnownResourceStates.Running ? DateTime.UtcNow : s.StartTimeStamp,
            StopTimeStamp = state == KnownResourceStates.Finished ? DateTime.UtcNow : null,
        });

    /// <summary>As Aspire's Postgres resource: the server is healthy once a session opens; the database inherits the check.</summary>
    private static void AddHealthCheck(IDistributedApplicationBuilder builder, LocalPostgresServerResource server, string key)
    {
        string? connectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(server, async (_, cancellationToken) =>
            connectionString = await server.ConnectionStringExpression.GetValueAsync(cancellationToken) + ";Database=postgres");
        builder.Services.AddHealthChecks().AddNpgSql(
            _ => connectionString ?? throw new InvalidOperationException($"{server.Name} has no connection string yet."), name: key);
    }
}
