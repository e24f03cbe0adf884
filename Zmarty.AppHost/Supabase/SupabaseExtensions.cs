using Microsoft.Extensions.Configuration;
using System.Security.Cryptography;
using System.Text;
using Zmarty.Migrations;

namespace Zmarty.AppHost.Supabase;

/// <summary>
/// A local stand-in for one Supabase project's database: PostgreSQL 15 with pg_cron and what Supabase
/// provides that a bare server lacks (<c>supabase/local/</c>: roles, <c>auth</c>, pgmq), then the
/// project's migrations. A Postgres container (Aspire.Hosting.PostgreSQL) where a container engine
/// works, else a process from Debian's binaries; <see cref="SupabaseSettings"/> chooses.
/// </summary>
public static class SupabaseExtensions
{
    /// <summary>The container image's Dockerfile and the script that makes its local base.</summary>
    private const string ImageFolder = "supabase/image";

    /// <summary>
    /// The server <paramref name="name"/> on <paramref name="port"/> and its database as the resource
    /// <paramref name="database"/>. A dependent's <c>WaitFor</c> on it means "migrated": the migrations
    /// run in the database's ResourceReadyEvent, which Aspire's WaitFor awaits, and a failed one fails
    /// every dependent's start with the file, line and SQLSTATE.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddSupabase(
        this IDistributedApplicationBuilder builder,
        [ResourceName] string name,
        [ResourceName] string database,
        IResourceBuilder<ParameterResource> password,
        int port,
        string migrations,
        bool pgCron = false)
    {
        // A real project's connection string (ConnectionStrings__NAME) replaces the local server, as it is:
        // its migrations are applied with the Supabase CLI (supabase db push), the emulation never.
        if (!string.IsNullOrEmpty(builder.Configuration.GetConnectionString(database)))
        {
            return builder.AddConnectionString(database);
        }

        var settings = SupabaseSettings.Of(builder);
        var serverSettings = ServerSettings(settings, pgCron);
        var databaseBuilder = settings.Mode == PostgresMode.Container
            ? AddContainer(builder, name, database, password, port, settings, serverSettings)
            : LocalPostgres.Add(builder, name, database, password, port, settings, serverSettings);

        var root = settings.RepositoryRoot;
        databaseBuilder.WithAnnotation(new SupabaseDatabaseAnnotation(
            name,
            SupabaseLayout.Folders(root, migrations, emulation: true),
            root,
            password.Resource));
        builder.Eventing.Subscribe<ResourceReadyEvent>(databaseBuilder.Resource, SupabaseMigrations.ApplyAsync);
        return databaseBuilder;
    }

    /// <summary>
    /// Gives <paramref name="project"/> the database as <c>ConnectionStrings__NAME</c>, connected as
    /// <paramref name="role"/>: one of the least-privilege roles the migrations create. Locally the role
    /// gets its login and a password derived from the server's once the migrations ran, as an operator
    /// does once in a deployment (docs/database.md).
    /// </summary>
    public static IResourceBuilder<T> WithServiceRole<T>(
        this IResourceBuilder<T> project, IResourceBuilder<IResourceWithConnectionString> database, string role)
        where T : IResourceWithEnvironment
    {
        if (database.Resource.Annotations.OfType<SupabaseDatabaseAnnotation>().SingleOrDefault() is not { } supabase)
        {
            // An external database: its connection string names the role to connect as.
            return project.WithReference(database);
        }

        var connection = ReferenceExpression.Create(
            $"{database.Resource.ConnectionStringExpression};Username={role};Password={new RolePassword(supabase.Password, role)}");
        return project
            .WithAnnotation(new ServiceRoleAnnotation(database.Resource, role))
            .WithEnvironment($"ConnectionStrings__{database.Resource.Name}", connection)
            .WithReferenceRelationship(database);
    }

    /// <summary>What both modes start PostgreSQL with: pg_cron on B, and no fsync for throw-away test databases.</summary>
    private static Dictionary<string, string> ServerSettings(SupabaseSettings settings, bool pgCron)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["max_connections"] = "200",
            ["log_line_prefix"] = "%m [%p] ",
        };
        if (pgCron)
        {
            values["shared_preload_libraries"] = "pg_cron";
            values["cron.database_name"] = "postgres";
            // Jobs run in background workers, so pg_cron needs no password to connect back to the server.
            values["cron.use_background_workers"] = "on";
            values["max_worker_processes"] = "32";
        }

        if (!settings.Durable)
        {
            values["fsync"] = "off";
            values["synchronous_commit"] = "off";
            values["full_page_writes"] = "off";
        }

        return values;
    }

    private static IResourceBuilder<IResourceWithConnectionString> AddContainer(
        IDistributedApplicationBuilder builder, string name, string database, IResourceBuilder<ParameterResource> password,
        int port, SupabaseSettings settings, Dictionary<string, string> serverSettings)
    {
        var server = builder.AddPostgres(name, password: password, port: port)
            .WithDockerfile(Path.Combine(settings.RepositoryRoot, ImageFolder))
            .WithBuildArg("BASE", settings.BaseImage)
            // Aspire tags each build with a new hash, which leaves two more tags in the engine's store every run.
            .WithImageTag("local")
            .WithArgs([.. serverSettings.SelectMany(setting => new[] { "-c", $"{setting.Key}={setting.Value}" })]);
        if (!settings.Durable)
        {
            // Throw-away data in the run's folder, kept across a restart of the container like a volume.
            server.WithDataBindMount(Path.Combine(settings.DataDirectory, name));
        }
        else
        {
            var volume = $"zmarty-{name}";
            server.WithDataVolume(volume);
            if (settings.Reset)
            {
                builder.Eventing.Subscribe<BeforeResourceStartedEvent>(server.Resource, (_, cancellationToken) =>
                    ContainerVolumes.RemoveOnceAsync(volume, cancellationToken));
            }
        }

        // A Supabase project's database is "postgres"; AddDatabase leaves an existing one as it is.
        return server.AddDatabase(database, databaseName: "postgres");
    }

    /// <summary>
    /// A service role's local password: derived from the server's own, so it needs no secret of its own
    /// and stays the same across runs, and differs per role, so one service's password opens no other's.
    /// </summary>
    internal sealed class RolePassword(ParameterResource serverPassword, string role) : IValueProvider, IManifestExpressionProvider
    {
        public string ValueExpression => $"{{{serverPassword.Name}.role.{role}}}";

        public async ValueTask<string?> GetValueAsync(CancellationToken cancellationToken = default) =>
            Derive(await serverPassword.GetValueAsync(cancellationToken) ?? "", role);

        public static string Derive(string serverPassword, string role) =>
            Convert.ToHexStringLower(HMACSHA256.HashData(
                Encoding.UTF8.GetBytes(serverPassword), Encoding.UTF8.GetBytes("zmarty service role " + role)));
    }
}

/// <summary>What the migrations of one local Supabase database need.</summary>
internal sealed record SupabaseDatabaseAnnotation(
    string ServerName, IReadOnlyList<MigrationRunner.Folder> Folders, string RepositoryRoot, ParameterResource Password)
    : IResourceAnnotation;

/// <summary>On a project: it connects to <paramref name="Database"/> as <paramref name="Role"/>, which then needs a local login.</summary>
internal sealed record ServiceRoleAnnotation(IResource Database, string Role) : IResourceAnnotation;
