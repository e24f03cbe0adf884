using System.Diagnostics;
using Zmarty.AppHost.Postgres;
using Zmarty.AppHost.Processes;

namespace Zmarty.AppHost.Hosting;

/// <summary>
/// The running local environment: the two Supabase databases and the services, started in
/// dependency order and stopped in reverse. What Aspire's DistributedApplication is to an AppHost.
/// </summary>
public sealed class ZmartyApplication : IAsyncDisposable
{
    private readonly AppHostOptions _options;
    private readonly Dictionary<string, PostgresServer> _databases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ProjectResource> _services = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _connectionStrings = new(StringComparer.Ordinal);
    private string _databaseDirectory;

    private ZmartyApplication(AppHostOptions options)
    {
        _options = options;
        _databaseDirectory = options.DataDirectory;
    }

    public LocalSecrets Secrets { get; private set; } = null!;

    /// <summary>How long the start took, from nothing to every resource healthy.</summary>
    public TimeSpan StartupDuration { get; private set; }

    /// <summary>Where the database clusters are: the data directory, or a fallback the postgres user can reach.</summary>
    public string DatabaseDirectory => _databaseDirectory;

    public IReadOnlyList<string> AppliedMigrations { get; private set; } = [];

    public static async Task<ZmartyApplication> StartAsync(AppHostOptions options, CancellationToken cancellationToken = default)
    {
        var app = new ZmartyApplication(options);
        try
        {
            await app.StartCoreAsync(cancellationToken);
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    public IReadOnlyList<ResourceSnapshot> Resources =>
    [
        .. DatabaseConnections().Select(d => _databases.TryGetValue(d.Resource, out var server)
            ? new ResourceSnapshot(d.Resource, server.ProcessId is null ? "stopped" : "running", server.DisplayUrl, server.ProcessId)
            : new ResourceSnapshot(d.Resource, "external", $"ConnectionStrings__{d.Connection}", null)),
        .. _services.Values.Select(s =>
            new ResourceSnapshot(s.Name, s.ProcessId is null ? "stopped" : "running", s.Url.ToString(), s.ProcessId)),
    ];

    /// <summary>The connection string the services get as <c>ConnectionStrings__{name}</c> (<c>chat</c> or <c>trading</c>).</summary>
    public string GetConnectionString(string name) =>
        _connectionStrings.TryGetValue(name, out var value)
            ? value
            : throw new ArgumentException($"No connection string '{name}'.", nameof(name));

    public Uri GetEndpoint(string resource) =>
        _services.TryGetValue(resource, out var service)
            ? service.Url
            : throw new ArgumentException($"No service '{resource}' is running.", nameof(resource));

    public HttpClient CreateHttpClient(string resource) => new() { BaseAddress = GetEndpoint(resource) };

    /// <summary>Stops one local database, as an outage would; its data stays.</summary>
    public async Task StopDatabaseAsync(string resource) => await LocalDatabase(resource).DisposeAsync();

    /// <summary>Starts a database stopped with <see cref="StopDatabaseAsync"/> again, on the same port and data.</summary>
    public Task StartDatabaseAsync(string resource, CancellationToken cancellationToken = default) =>
        LocalDatabase(resource).StartAsync(_options.StartupTimeout, cancellationToken);

    private PostgresServer LocalDatabase(string resource) =>
        _databases.TryGetValue(resource, out var server)
            ? server
            : throw new ArgumentException($"No local database '{resource}'.", nameof(resource));

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var localDatabases = DatabaseConnections()
            .Where(d => !_options.ExternalConnectionStrings.ContainsKey(d.Connection))
            .ToList();

        var binaries = localDatabases.Count > 0 ? PostgresBinaries.Locate(_options) : null;
        var ports = ResolvePorts(localDatabases.Select(d => d.Resource));

        if (_options.Reset && Directory.Exists(_options.DataDirectory))
        {
            await StopLeftoverServersAsync(cancellationToken);
            Directory.Delete(_options.DataDirectory, recursive: true);
        }

        Directory.CreateDirectory(_options.DataDirectory);
        Secrets = await LocalSecrets.LoadOrCreateAsync(_options.DataDirectory, cancellationToken);

        if (binaries is not null)
        {
            _databaseDirectory = await ChooseDatabaseDirectoryAsync(cancellationToken);
            await StartDatabasesAsync(binaries, localDatabases, ports, cancellationToken);
        }

        foreach (var (connection, external) in _options.ExternalConnectionStrings)
        {
            _connectionStrings[connection] = external;
        }

        await MigrateAsync(cancellationToken);

        if (_options.StartServices)
        {
            await StartServicesAsync(ports, cancellationToken);
        }

        StartupDuration = clock.Elapsed;
    }

    private Dictionary<string, int> ResolvePorts(IEnumerable<string> localDatabases)
    {
        var needed = localDatabases.ToList();
        if (_options.StartServices)
        {
            needed.AddRange([ResourceNames.Emulators, ResourceNames.Api, ResourceNames.Worker, ResourceNames.AdminUi]);
        }

        var ports = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var resource in needed)
        {
            var port = _options.Ports.GetValueOrDefault(resource);
            if (port == 0)
            {
                port = Ports.PickFree();
            }
            else if (!Ports.IsFree(port))
            {
                throw new AppHostException(
                    $"Port {port} for {resource} is already in use. Choose another with " +
                    $"{_options.PortOptionName(resource)} N (or {_options.PortEnvironmentName(resource)}=N), " +
                    "or stop what holds it.");
            }

            ports[resource] = port;
        }

        return ports;
    }

    private async Task<string> ChooseDatabaseDirectoryAsync(CancellationToken cancellationToken)
    {
        if (await PostgresServer.ServiceUserCanReachAsync(_options.DataDirectory, cancellationToken))
        {
            return _options.DataDirectory;
        }

        // A checkout under a private home (say /root) cannot be entered by the postgres user.
        var key = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(_options.DataDirectory))))[..16].ToLowerInvariant();
        var fallback = Path.Combine("/var/lib/zmarty", key);
        Directory.CreateDirectory(fallback);
        _options.Log?.Invoke(
            $"{"apphost",-10} | the postgres user cannot reach {_options.DataDirectory}; keeping the databases in {fallback}");
        if (_options.Reset)
        {
            foreach (var resource in new[] { ResourceNames.SupabaseA, ResourceNames.SupabaseB })
            {
                var old = Path.Combine(fallback, resource);
                if (Directory.Exists(old))
                {
                    await PostgresServer.StopLeftoverServerAsync(old, cancellationToken);
                    Directory.Delete(old, recursive: true);
                }
            }
        }

        return fallback;
    }

    private async Task StartDatabasesAsync(
        PostgresBinaries binaries, List<DatabaseConnection> databases, Dictionary<string, int> ports,
        CancellationToken cancellationToken)
    {
        foreach (var database in databases)
        {
            _databases[database.Resource] = new PostgresServer(
                database.Resource,
                binaries,
                Path.Combine(_databaseDirectory, database.Resource),
                ports[database.Resource],
                Secrets.DatabasePassword,
                preloadPgCron: database.Connection == ResourceNames.TradingConnection,
                _options.DurableDatabases,
                new ResourceLog(database.Resource, _options.Log),
                _options.ProcessStarted);
        }

        await Task.WhenAll(_databases.Values.Select(server => server.StartAsync(_options.StartupTimeout, cancellationToken)));
        foreach (var database in databases)
        {
            _connectionStrings[database.Connection] = _databases[database.Resource].ConnectionString;
        }
    }

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var applied = new List<string>();
        foreach (var database in DatabaseConnections())
        {
            var isLocal = _databases.ContainsKey(database.Resource);
            if (!isLocal && !_options.MigrateExternalDatabases)
            {
                continue;
            }

            var folders = new List<MigrationRunner.Folder>();
            if (isLocal)
            {
                // What Supabase provides and a bare Postgres lacks; never applied to a real project.
                folders.Add(new(Path.Combine(_options.SupabaseFolder, "local"), VersionPrefix: "local_"));
            }

            folders.Add(new(Path.Combine(_options.SupabaseFolder, database.Connection, "migrations")));
            var result = await MigrationRunner.ApplyAsync(
                _connectionStrings[database.Connection], database.Resource, folders, _options.SupabaseFolder, cancellationToken);
            applied.AddRange(result.Applied);
            foreach (var file in result.Applied)
            {
                _options.Log?.Invoke($"{database.Resource,-10} | applied {file}");
            }
        }

        AppliedMigrations = applied;
    }

    private async Task StartServicesAsync(Dictionary<string, int> ports, CancellationToken cancellationToken)
    {
        var emulators = CreateService(ResourceNames.Emulators, "Zmarty.Emulators", ports);
        await emulators.StartAsync(_options.StartupTimeout, cancellationToken);

        // The three depend on the databases and the emulators, not on each other.
        var dependents = new[]
        {
            CreateService(ResourceNames.Api, "Zmarty.Api", ports),
            CreateService(ResourceNames.Worker, "Zmarty.Worker", ports),
            CreateService(ResourceNames.AdminUi, "Zmarty.AdminUi", ports),
        };
        await Task.WhenAll(dependents.Select(service => service.StartAsync(_options.StartupTimeout, cancellationToken)));
    }

    private ProjectResource CreateService(string resource, string project, Dictionary<string, int> ports)
    {
        var projectDirectory = Path.Combine(_options.RepositoryRoot, project);
        var assembly = Path.Combine(projectDirectory, "bin", _options.BuildConfiguration, "net10.0", project + ".dll");
        var service = new ProjectResource(
            resource, projectDirectory, assembly, ports[resource], ServiceEnvironment(resource, ports),
            new ResourceLog(resource, _options.Log), _options.ProcessStarted);
        _services[resource] = service;
        return service;
    }

    /// <summary>Aspire's conventions, so a service cannot tell this AppHost from Aspire's.</summary>
    private Dictionary<string, string> ServiceEnvironment(string resource, Dictionary<string, int> ports)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{ports[resource]}",
            ["OTEL_SERVICE_NAME"] = resource,
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
            ["Supabase__JwtSecret"] = Secrets.JwtSecret,
            ["Supabase__JwtIssuer"] = DevTokens.LocalIssuer,
            ["Webhooks__Secret"] = Secrets.WebhookSecret,
            ["Admin__Password"] = Secrets.AdminPassword,
        };
        foreach (var (connection, value) in _connectionStrings)
        {
            environment[$"ConnectionStrings__{connection}"] = value;
        }

        foreach (var service in new[] { ResourceNames.Emulators, ResourceNames.Api })
        {
            if (ports.TryGetValue(service, out var port) && service != resource)
            {
                environment[$"services__{service}__http__0"] = $"http://127.0.0.1:{port}";
            }
        }

        foreach (var (key, value) in _options.ServiceEnvironment)
        {
            environment[key] = value;
        }

        return environment;
    }

    private async Task StopLeftoverServersAsync(CancellationToken cancellationToken)
    {
        foreach (var database in DatabaseConnections())
        {
            await PostgresServer.StopLeftoverServerAsync(Path.Combine(_options.DataDirectory, database.Resource), cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _services.Values.Reverse())
        {
            await service.DisposeAsync();
        }

        await Task.WhenAll(_databases.Values.Select(server => server.DisposeAsync().AsTask()));
        _services.Clear();
        _databases.Clear();

        if (_options.DeleteDataOnDispose)
        {
            foreach (var directory in new[] { _options.DataDirectory, _databaseDirectory }.Distinct())
            {
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
        }
    }

    private sealed record DatabaseConnection(string Resource, string Connection);

    private static IEnumerable<DatabaseConnection> DatabaseConnections() =>
    [
        new(ResourceNames.SupabaseA, ResourceNames.ChatConnection),
        new(ResourceNames.SupabaseB, ResourceNames.TradingConnection),
    ];
}

public sealed record ResourceSnapshot(string Name, string State, string Url, int? ProcessId);
