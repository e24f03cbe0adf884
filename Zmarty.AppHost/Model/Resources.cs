namespace Zmarty.AppHost.Model;

/// <summary>
/// One thing of the app model, as Aspire's IResource is: a name, and what it needs from the others.
/// Resources are declarations; <see cref="Hosting.DistributedApplication"/> runs them.
/// </summary>
public abstract class Resource(string name)
{
    public string Name { get; } = name;

    /// <summary>Resources that must be running before this one starts (<c>WaitFor</c>).</summary>
    public List<Resource> WaitsFor { get; } = [];
}

/// <summary>A resource that listens on one loopback port: fixed by default, overridable per run.</summary>
public interface IResourceWithEndpoint
{
    string Name { get; }

    /// <summary>The declared port; 0 picks a free one at start.</summary>
    int Port { get; set; }
}

/// <summary>
/// A value a resource is given: fixed (the JWT issuer), or a secret made on the first run and kept
/// in the data directory, so tokens and signatures stay valid across restarts.
/// </summary>
public sealed class ParameterResource(string name, Func<string> valueFactory, bool secret) : Resource(name)
{
    public bool Secret { get; } = secret;

    /// <summary>Makes the value; for a secret, only when the data directory holds none yet.</summary>
    public Func<string> ValueFactory { get; } = valueFactory;
}

/// <summary>A local PostgreSQL 15 server, as a Supabase project's database is, minus the rest of Supabase.</summary>
public sealed class PostgresServerResource(string name, int port, ParameterResource password)
    : Resource(name), IResourceWithEndpoint
{
    public int Port { get; set; } = port;

    public ParameterResource Password { get; } = password;

    /// <summary>Loaded at server start (<c>shared_preload_libraries</c>), as Supabase B needs for pg_cron.</summary>
    public bool PreloadPgCron { get; set; }

    /// <summary>
    /// What Supabase provides and a bare PostgreSQL lacks (roles, auth schema, pgmq), relative to
    /// the repository; applied before the migrations on local servers only, never on a real project.
    /// </summary>
    public string? SupabaseEmulationFolder { get; set; }

    public List<PostgresDatabaseResource> Databases { get; } = [];
}

/// <summary>
/// A database on a server, known to services by its connection string name (<c>chat</c>,
/// <c>trading</c>). Like a Supabase project's, the database itself is called <c>postgres</c>.
/// </summary>
public sealed class PostgresDatabaseResource(string name, PostgresServerResource server) : Resource(name)
{
    public PostgresServerResource Server { get; } = server;

    public string DatabaseName => "postgres";

    /// <summary>The migrations folder, relative to the repository; applied in name order.</summary>
    public string? MigrationsFolder { get; set; }
}

/// <summary>One of our .NET services, started from its build output the way Aspire starts a project.</summary>
public class ProjectResource(string name, string projectName, int port) : Resource(name), IResourceWithEndpoint
{
    /// <summary>The project's folder and assembly name, e.g. <c>Zmarty.Api</c>.</summary>
    public string ProjectName { get; } = projectName;

    public int Port { get; set; } = port;

    /// <summary>What <c>WithReference</c> brought: databases (connection strings) and projects (endpoints).</summary>
    public List<Resource> References { get; } = [];

    /// <summary>The database role this project connects as, per referenced database (the superuser where none is named).</summary>
    public Dictionary<PostgresDatabaseResource, string> DatabaseRoles { get; } = [];

    /// <summary>Environment variables: a fixed text or a parameter's value.</summary>
    public Dictionary<string, EnvironmentValue> Environment { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The developer dashboard (Zmarty.Dashboard), as Aspire's AppHost adds its own: started before
/// everything else, the services' OTLP exporters pointed at it. Besides its pages it listens for
/// OTLP/gRPC and OTLP/HTTP, each on a port of its own.
/// </summary>
public sealed class DashboardResource(int port, int otlpGrpcPort, int otlpHttpPort)
    : ProjectResource(ResourceName, "Zmarty.Dashboard", port)
{
    public const string ResourceName = "dashboard";

    public AdditionalEndpoint OtlpGrpc { get; } = new(ResourceName + "-otlp-grpc", otlpGrpcPort);

    public AdditionalEndpoint OtlpHttp { get; } = new(ResourceName + "-otlp-http", otlpHttpPort);
}

/// <summary>A further port a project listens on, named so it gets its own <c>--NAME-port</c> and <c>ZMARTY_NAME_PORT</c>.</summary>
public sealed class AdditionalEndpoint(string name, int port) : IResourceWithEndpoint
{
    public string Name { get; } = name;

    public int Port { get; set; } = port;
}

public static class ModelEndpoints
{
    /// <summary>Every port of the model: each resource's own and the dashboard's OTLP ports.</summary>
    public static IEnumerable<IResourceWithEndpoint> Endpoints(this IEnumerable<Resource> model)
    {
        foreach (var resource in model)
        {
            if (resource is IResourceWithEndpoint endpoint)
            {
                yield return endpoint;
            }

            if (resource is DashboardResource dashboard)
            {
                yield return dashboard.OtlpGrpc;
                yield return dashboard.OtlpHttp;
            }
        }
    }
}

/// <summary>An environment variable's value: known now, a parameter resolved at start, or a project's URL plus a path.</summary>
public abstract record EnvironmentValue
{
    public sealed record Text(string Value) : EnvironmentValue;

    public sealed record Parameter(ParameterResource Resource) : EnvironmentValue;

    /// <summary>
    /// <paramref name="Path"/> under <paramref name="Project"/>'s URL, known once its port is: an API the project
    /// serves at a path, as the emulators serve each provider.
    /// </summary>
    public sealed record Endpoint(ProjectResource Project, string Path) : EnvironmentValue;
}

/// <summary>
/// <c>./zmarty token EMAIL</c>: which database holds the users and which parameters sign their
/// tokens, as Supabase Auth does for a project.
/// </summary>
public sealed class DevTokensResource(
    string name, PostgresDatabaseResource users, ParameterResource signingSecret, ParameterResource issuer) : Resource(name)
{
    public PostgresDatabaseResource Users { get; } = users;

    public ParameterResource SigningSecret { get; } = signingSecret;

    public ParameterResource Issuer { get; } = issuer;
}
