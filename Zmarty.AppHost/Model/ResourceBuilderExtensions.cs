using System.Security.Cryptography;
using Zmarty.AppHost.Hosting;

namespace Zmarty.AppHost.Model;

/// <summary>A resource being declared, as Aspire's IResourceBuilder: the fluent calls hang off it.</summary>
public sealed record ResourceBuilder<T>(DistributedApplicationBuilder ApplicationBuilder, T Resource) where T : Resource;

/// <summary>The declarations Program.cs reads like: Aspire's names and shapes for what this system uses.</summary>
public static class ResourceBuilderExtensions
{
    public static ResourceBuilder<ParameterResource> AddParameter(this DistributedApplicationBuilder builder, string name, string value) =>
        builder.AddResource(new ParameterResource(name, () => value, secret: false));

    /// <summary>A secret made by <paramref name="generate"/> on the first run and kept in the data directory.</summary>
    public static ResourceBuilder<ParameterResource> AddSecret(
        this DistributedApplicationBuilder builder, string name, Func<string> generate) =>
        builder.AddResource(new ParameterResource(name, generate, secret: true));

    public static ResourceBuilder<PostgresServerResource> AddPostgres(
        this DistributedApplicationBuilder builder, string name, int port, ResourceBuilder<ParameterResource> password) =>
        builder.AddResource(new PostgresServerResource(name, port, password.Resource));

    public static ResourceBuilder<PostgresServerResource> WithPgCron(this ResourceBuilder<PostgresServerResource> server)
    {
        server.Resource.PreloadPgCron = true;
        return server;
    }

    public static ResourceBuilder<PostgresServerResource> WithSupabaseEmulation(
        this ResourceBuilder<PostgresServerResource> server, string folder)
    {
        server.Resource.SupabaseEmulationFolder = folder;
        return server;
    }

    public static ResourceBuilder<PostgresDatabaseResource> AddDatabase(this ResourceBuilder<PostgresServerResource> server, string name)
    {
        var database = server.ApplicationBuilder.AddResource(new PostgresDatabaseResource(name, server.Resource));
        server.Resource.Databases.Add(database.Resource);
        database.Resource.WaitsFor.Add(server.Resource);
        return database;
    }

    public static ResourceBuilder<PostgresDatabaseResource> WithMigrations(
        this ResourceBuilder<PostgresDatabaseResource> database, string folder)
    {
        database.Resource.MigrationsFolder = folder;
        return database;
    }

    /// <summary>
    /// The developer dashboard, unless this run turns it off (<c>--no-dashboard</c>, <c>ZMARTY_DASHBOARD=false</c>):
    /// then the model has none, and the services export telemetry only where OTEL_EXPORTER_OTLP_ENDPOINT says.
    /// </summary>
    public static void AddDashboard(this DistributedApplicationBuilder builder, int port, int otlpGrpcPort, int otlpHttpPort)
    {
        if (builder.Args.Contains(CommandLine.NoDashboardOption)
            || string.Equals(builder.Configuration.GetValueOrDefault(CommandLine.DashboardVariable), "false", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        builder.AddResource(new DashboardResource(port, otlpGrpcPort, otlpHttpPort));
    }

    public static ResourceBuilder<ProjectResource> AddProject(
        this DistributedApplicationBuilder builder, string name, string projectName, int port) =>
        builder.AddResource(new ProjectResource(name, projectName, port));

    /// <summary>A database gives its connection string (<c>ConnectionStrings__name</c>), a project its endpoint (<c>services__name__http__0</c>).</summary>
    public static ResourceBuilder<ProjectResource> WithReference(this ResourceBuilder<ProjectResource> project, ResourceBuilder<PostgresDatabaseResource> database)
    {
        project.Resource.References.Add(database.Resource);
        return project;
    }

    /// <summary>
    /// The database's connection string as <paramref name="role"/>, one of the least-privilege roles the
    /// migrations create; on a local server the AppHost gives the role its login and password once the
    /// migrations ran, as a deployment does once (docs/database.md).
    /// </summary>
    public static ResourceBuilder<ProjectResource> WithReference(
        this ResourceBuilder<ProjectResource> project, ResourceBuilder<PostgresDatabaseResource> database, string role)
    {
        project.Resource.References.Add(database.Resource);
        project.Resource.DatabaseRoles[database.Resource] = role;
        return project;
    }

    public static ResourceBuilder<ProjectResource> WithReference(this ResourceBuilder<ProjectResource> project, ResourceBuilder<ProjectResource> other)
    {
        project.Resource.References.Add(other.Resource);
        return project;
    }

    public static ResourceBuilder<T> WaitFor<T, TDependency>(this ResourceBuilder<T> resource, ResourceBuilder<TDependency> dependency)
        where T : Resource
        where TDependency : Resource
    {
        resource.Resource.WaitsFor.Add(dependency.Resource);
        return resource;
    }

    public static ResourceBuilder<ProjectResource> WithEnvironment(this ResourceBuilder<ProjectResource> project, string name, string value)
    {
        project.Resource.Environment[name] = new EnvironmentValue.Text(value);
        return project;
    }

    public static ResourceBuilder<ProjectResource> WithEnvironment(
        this ResourceBuilder<ProjectResource> project, string name, ResourceBuilder<ParameterResource> parameter)
    {
        project.Resource.Environment[name] = new EnvironmentValue.Parameter(parameter.Resource);
        return project;
    }

    /// <summary>The URL of <paramref name="path"/> on <paramref name="project"/>, for another project's environment.</summary>
    public static EnvironmentValue.Endpoint GetEndpoint(this ResourceBuilder<ProjectResource> project, string path) =>
        new(project.Resource, path);

    /// <summary>
    /// Sets <paramref name="name"/> to <paramref name="endpoint"/>'s URL; <c>./zmarty env</c> prints it as
    /// <c>ZMARTY_SECTION_URL</c>, SECTION being the variable's first part (<c>Cryptometer__BaseUrl</c> gives <c>ZMARTY_CRYPTOMETER_URL</c>).
    /// </summary>
    public static ResourceBuilder<ProjectResource> WithEnvironment(
        this ResourceBuilder<ProjectResource> project, string name, EnvironmentValue.Endpoint endpoint)
    {
        project.Resource.Environment[name] = endpoint;
        return project;
    }

    /// <summary><c>./zmarty token EMAIL</c> makes users in <paramref name="users"/> and signs their tokens as Supabase Auth would.</summary>
    public static ResourceBuilder<DevTokensResource> AddDevTokens(
        this DistributedApplicationBuilder builder,
        ResourceBuilder<PostgresDatabaseResource> users,
        ResourceBuilder<ParameterResource> signingSecret,
        ResourceBuilder<ParameterResource> issuer) =>
        builder.AddResource(new DevTokensResource("dev-tokens", users.Resource, signingSecret.Resource, issuer.Resource));
}

/// <summary>How local secrets are made on the first run.</summary>
public static class Generated
{
    public static Func<string> Base64(int bytes) => () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes));

    public static Func<string> Hex(int bytes) => () => Convert.ToHexString(RandomNumberGenerator.GetBytes(bytes)).ToLowerInvariant();

    /// <summary>Standard Webhooks: <c>whsec_</c> and the base64 of at least 24 random bytes.</summary>
    public static Func<string> WebhookSecret() => () => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>Letters and digits a person can read back without confusing 0/O or 1/l.</summary>
    public static Func<string> Password(int length) =>
        () => RandomNumberGenerator.GetString("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", length);
}
