using System.Diagnostics;
using Zmarty.AppHost.Model;
using Zmarty.AppHost.Postgres;
using Zmarty.AppHost.Processes;

namespace Zmarty.AppHost.Hosting;

/// <summary>
/// Runs the app model, as Aspire's DistributedApplication does: starts each resource once what it
/// waits for is running, publishes every state change, watches the services' health, and stops
/// everything in reverse dependency order.
/// </summary>
public sealed class DistributedApplication : IAsyncDisposable
{
    private static readonly TimeSpan s_healthInterval = TimeSpan.FromSeconds(2);

    /// <summary>Aspire's settings for a local dashboard: batches leave every second, so telemetry shows up at once.</summary>
    private static readonly Dictionary<string, string> s_localExport = new(StringComparer.Ordinal)
    {
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "1000",
        ["OTEL_BLRP_SCHEDULE_DELAY"] = "1000",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
    };

    private readonly IReadOnlyList<Resource> _model;
    private readonly AppHostOptions _options;
    private readonly IReadOnlyDictionary<string, string?> _configuration;
    private readonly string[] _args;
    private readonly Dictionary<string, PostgresServer> _servers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ProjectProcess> _projects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ResourceLog> _logs = new(StringComparer.Ordinal);
    private readonly List<string> _appliedMigrations = [];
    private readonly CancellationTokenSource _lifetime = new();
    private readonly DashboardResource? _dashboard;
    private ResourceServiceHost? _resourceService;

    /// <summary>Made per run and never stored: the login link works for this run, once.</summary>
    private readonly string _dashboardToken = Generated.Hex(bytes: 24)();
    private LocalSecrets? _secrets;
    private PostgresBinaries? _binaries;
    private Task _healthMonitor = Task.CompletedTask;
    private bool _disposed;

    internal DistributedApplication(
        IReadOnlyList<Resource> model, AppHostOptions options, IReadOnlyDictionary<string, string?> configuration, string[] args)
    {
        _model = model;
        _options = options;
        _configuration = configuration;
        _args = args;
        DatabaseDirectory = options.DataDirectory;
        _dashboard = model.OfType<DashboardResource>().SingleOrDefault();
        ResourceNotifications = new(model.Where(IsShown).Select(r => new ResourceSnapshot(r.Name, TypeOf(r), ResourceState.NotStarted)));
    }

    public static DistributedApplicationBuilder CreateBuilder(string[] args) =>
        new(args, AppHostOptions.ForCheckout(), Environment.GetEnvironmentVariables());

    public ResourceNotificationService ResourceNotifications { get; }

    /// <summary>Every server, database and service with its latest state, in the model's order.</summary>
    public IReadOnlyList<ResourceSnapshot> Resources => ResourceNotifications.Snapshots;

    /// <summary>The developer dashboard's one-time login link; null when the model has no dashboard.</summary>
    public Uri? DashboardLoginUrl => _dashboard is null ? null : new Uri(Url(_dashboard), "/login?t=" + _dashboardToken);

    /// <summary>How long the start took, from nothing to every resource running.</summary>
    public TimeSpan StartupDuration { get; private set; }

    /// <summary>Where the database clusters are: the data directory, or a fallback the postgres user can reach.</summary>
    public string DatabaseDirectory { get; private set; }

    public IReadOnlyList<string> AppliedMigrations => _appliedMigrations;

    internal IReadOnlyList<Resource> Model => _model;

    internal AppHostOptions Options => _options;

    internal LocalSecrets Secrets => _secrets ?? throw new InvalidOperationException("The application has not started.");

    /// <summary><c>dotnet run --project Zmarty.AppHost [up|env|token EMAIL] [options]</c>; the exit code.</summary>
    public async Task<int> RunAsync()
    {
        try
        {
            var command = CommandLine.Apply(_args, _configuration, _model, _options);
            return command.Verb switch
            {
                "env" => EnvCommand.Run(this),
                "token" => await TokenCommand.RunAsync(this, command.Argument),
                "reconcile" => await ReconcileCommand.RunAsync(this, command.Argument),
                _ => await UpCommand.RunAsync(this),
            };
        }
        catch (AppHostException ex)
        {
            Console.Error.WriteLine($"zmarty: {ex.Message}");
            return 1;
        }
    }

    /// <summary>Starts every resource and returns once all are running; on failure, stops what started and throws.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            await PrepareAsync(cancellationToken);
            var starts = new Dictionary<Resource, Task>();
            if (_dashboard is not null)
            {
                _resourceService = await ResourceServiceHost.StartAsync(this, cancellationToken);

                // First, as Aspire's: the others' telemetry and console output from their first line on.
                starts[_dashboard] = StartResourceCoreAsync(_dashboard, failed.Token);
                await starts[_dashboard];
            }

            await Task.WhenAll(_model.Where(IsShown).Select(StartInOrder));

            Task StartInOrder(Resource resource) =>
                starts.TryGetValue(resource, out var start) ? start : starts[resource] = StartAfterDependenciesAsync(resource);

            async Task StartAfterDependenciesAsync(Resource resource)
            {
                try
                {
                    var dependencies = resource.WaitsFor.Select(StartInOrder).ToList();
                    if (dependencies.Any(d => !d.IsCompleted))
                    {
                        Publish(resource, s => s with { State = ResourceState.Waiting });
                    }

                    await Task.WhenAll(dependencies);
                    await StartResourceCoreAsync(resource, failed.Token);
                }
                catch
                {
                    // The first failure stops the rest of the start; each waiting resource gives up at once.
                    await failed.CancelAsync();
                    throw;
                }
            }
        }
        catch (Exception ex)
        {
            await DisposeAsync();
            if (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new AppHostException("The start was abandoned.", ex);
            }

            throw;
        }

        _healthMonitor = MonitorHealthAsync(_lifetime.Token);
        StartupDuration = clock.Elapsed;
    }

    public string GetConnectionString(string name) =>
        _model.OfType<PostgresDatabaseResource>().SingleOrDefault(d => d.Name == name) is { } database
            ? ConnectionString(database)
            : throw new ArgumentException($"The app model has no database '{name}'.", nameof(name));

    /// <summary>A parameter's value as the services get it: a secret from the data directory, a fixed value as declared.</summary>
    public string GetParameterValue(string name) =>
        _model.OfType<ParameterResource>().SingleOrDefault(p => p.Name == name) is { } parameter
            ? Secrets.ValueOf(parameter)
            : throw new ArgumentException($"The app model has no parameter '{name}'.", nameof(name));

    public Uri GetEndpoint(string name) =>
        _model.OfType<ProjectResource>().SingleOrDefault(p => p.Name == name) is { } project
            ? Url(project)
            : throw new ArgumentException($"The app model has no project '{name}'.", nameof(name));

    public HttpClient CreateHttpClient(string name) => new() { BaseAddress = GetEndpoint(name) };

    /// <summary>Stops one resource while the rest runs, as an outage or an operator would; its data stays.</summary>
    public async Task StopResourceAsync(string name)
    {
        var resource = Runnable(name);
        Publish(resource, s => s with { State = ResourceState.Stopping });
        await StopProcessAsync(resource);
        Publish(resource, s => s with { State = ResourceState.Stopped, ProcessId = null });
    }

    /// <summary>Starts a stopped (or exited) resource again, on the same port and data.</summary>
    public async Task StartResourceAsync(string name, CancellationToken cancellationToken = default)
    {
        await StartResourceCoreAsync(Runnable(name), cancellationToken);
    }

    public async Task RestartResourceAsync(string name, CancellationToken cancellationToken = default)
    {
        await StopResourceAsync(name);
        await StartResourceAsync(name, cancellationToken);
    }

    private async Task PrepareAsync(CancellationToken cancellationToken)
    {
        var localServers = _model.OfType<PostgresServerResource>().Where(s => !IsExternal(s)).ToList();
        _binaries = localServers.Count > 0 ? PostgresBinaries.Locate(_options) : null;
        ResolvePorts(localServers.Cast<Resource>().Concat(_model.OfType<ProjectResource>()).Endpoints());

        if (_options.Reset && Directory.Exists(_options.DataDirectory))
        {
            foreach (var server in localServers)
            {
                await PostgresServer.StopLeftoverServerAsync(Path.Combine(_options.DataDirectory, server.Name), cancellationToken);
            }

            Directory.Delete(_options.DataDirectory, recursive: true);
        }

        Directory.CreateDirectory(_options.DataDirectory);
        _secrets = await LocalSecrets.LoadOrCreateAsync(_options.DataDirectory, _model.OfType<ParameterResource>(), cancellationToken);
        if (localServers.Count > 0)
        {
            DatabaseDirectory = await ChooseDatabaseDirectoryAsync(localServers, cancellationToken);
        }
    }

    private void ResolvePorts(IEnumerable<IResourceWithEndpoint> resources)
    {
        var endpoints = resources.ToList();
        var unassigned = endpoints.Where(r => r.Port == 0).ToList();
        foreach (var (resource, port) in unassigned.Zip(Ports.PickFree(unassigned.Count)))
        {
            resource.Port = port;
        }

        foreach (var resource in endpoints.Except(unassigned))
        {
            if (!Ports.IsFree(resource.Port))
            {
                throw new AppHostException(
                    $"Port {resource.Port} for {resource.Name} is already in use. Choose another with " +
                    $"{CommandLine.PortOption(resource)} N (or {CommandLine.PortVariable(resource)}=N), or stop what holds it.");
            }
        }
    }

    private async Task<string> ChooseDatabaseDirectoryAsync(List<PostgresServerResource> servers, CancellationToken cancellationToken)
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
        _options.Log?.Invoke($"{"apphost",-10} | the postgres user cannot reach {_options.DataDirectory}; keeping the databases in {fallback}");
        if (_options.Reset)
        {
            foreach (var old in servers.Select(s => Path.Combine(fallback, s.Name)).Where(Directory.Exists))
            {
                await PostgresServer.StopLeftoverServerAsync(old, cancellationToken);
                Directory.Delete(old, recursive: true);
            }
        }

        return fallback;
    }

    private async Task StartResourceCoreAsync(Resource resource, CancellationToken cancellationToken)
    {
        if (resource is PostgresServerResource external && IsExternal(external))
        {
            Publish(resource, s => s with { State = ResourceState.External, Url = $"ConnectionStrings__{external.Databases[0].Name}" });
            return;
        }

        Publish(resource, s => s with { State = ResourceState.Starting, ExitCode = null, LastLogLines = null });
        try
        {
            var processId = resource switch
            {
                PostgresServerResource server => await StartServerAsync(server, cancellationToken),
                PostgresDatabaseResource database => await MigrateAsync(database, cancellationToken),
                ProjectResource project => await StartProjectAsync(project, cancellationToken),
                _ => throw new InvalidOperationException($"{resource.Name} is not a resource that runs."),
            };
            Publish(resource, s => s with
            {
                State = ResourceState.Running,
                ProcessId = processId,
                StartedAt = DateTimeOffset.UtcNow,
                Restarts = s.StartedAt is null ? s.Restarts : s.Restarts + 1,
                Url = resource is PostgresDatabaseResource ? $"ConnectionStrings__{resource.Name}" : s.Url,
            });
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Publish(resource, s => s with { State = ResourceState.FailedToStart, ProcessId = null, LastLogLines = ex.Message });
            throw;
        }
    }

    private async Task<int?> StartServerAsync(PostgresServerResource resource, CancellationToken cancellationToken)
    {
        if (!_servers.TryGetValue(resource.Name, out var server))
        {
            server = new PostgresServer(
                resource.Name,
                _binaries!,
                Path.Combine(DatabaseDirectory, resource.Name),
                resource.Port,
                Secrets.ValueOf(resource.Password),
                resource.PreloadPgCron,
                _options.DurableDatabases,
                LogOf(resource),
                _options.ProcessStarted,
                exitCode => ExitedUnexpectedly(resource, exitCode));
            _servers[resource.Name] = server;
            Publish(resource, s => s with { Url = server.DisplayUrl });
        }

        await server.StartAsync(_options.StartupTimeout, cancellationToken);
        return server.ProcessId;
    }

    private async Task<int?> MigrateAsync(PostgresDatabaseResource database, CancellationToken cancellationToken)
    {
        var isLocal = !IsExternal(database.Server);
        if (!isLocal && !_options.MigrateExternalDatabases)
        {
            return null;
        }

        var folders = new List<MigrationRunner.Folder>();
        if (isLocal && database.Server.SupabaseEmulationFolder is { } emulation)
        {
            // What Supabase provides and a bare Postgres lacks; never applied to a real project.
            folders.Add(new(Path.Combine(_options.RepositoryRoot, emulation), VersionPrefix: "local_"));
        }

        if (database.MigrationsFolder is { } migrations)
        {
            folders.Add(new(Path.Combine(_options.RepositoryRoot, migrations)));
        }

        var result = await MigrationRunner.ApplyAsync(
            ConnectionString(database), database.Server.Name, folders, _options.RepositoryRoot, cancellationToken);
        lock (_appliedMigrations)
        {
            _appliedMigrations.AddRange(result.Applied);
        }

        foreach (var file in result.Applied)
        {
            _options.Log?.Invoke($"{database.Server.Name,-10} | applied {file}");
        }

        if (isLocal)
        {
            var serverPassword = Secrets.ValueOf(database.Server.Password);
            foreach (var role in RolesOf(database))
            {
                await PostgresServer.EnableRoleLoginAsync(
                    ConnectionString(database), role, PostgresServer.RolePassword(serverPassword, role), cancellationToken);
            }
        }

        return null;
    }

    private async Task<int?> StartProjectAsync(ProjectResource resource, CancellationToken cancellationToken)
    {
        if (!_projects.TryGetValue(resource.Name, out var project))
        {
            var directory = Path.Combine(_options.RepositoryRoot, resource.ProjectName);
            project = new ProjectProcess(
                resource.Name,
                directory,
                Path.Combine(directory, "bin", _options.BuildConfiguration, "net10.0", resource.ProjectName + ".dll"),
                resource.Port,
                EnvironmentOf(resource, Secrets),
                LogOf(resource),
                _options.ProcessStarted,
                exitCode => ExitedUnexpectedly(resource, exitCode));
            _projects[resource.Name] = project;
            Publish(resource, s => s with { Url = project.Url.ToString() });
        }

        if (await LeftoverProcesses.StopAsync(_options.DataDirectory, resource.Name))
        {
            LogOf(resource).Write("stopped a process an earlier run left running");
        }

        await project.StartAsync(_options.StartupTimeout, cancellationToken);
        LeftoverProcesses.Remember(_options.DataDirectory, resource.Name, project.ProcessId!.Value);
        return project.ProcessId;
    }

    /// <summary>Aspire's conventions, so a service cannot tell this AppHost from Aspire's; and only what it references.</summary>
    internal Dictionary<string, string> EnvironmentOf(ProjectResource project, LocalSecrets secrets)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_URLS"] = Url(project).ToString().TrimEnd('/'),
            ["OTEL_SERVICE_NAME"] = project.Name,
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
        };
        foreach (var reference in project.References)
        {
            var (key, value) = reference switch
            {
                PostgresDatabaseResource database => ($"ConnectionStrings__{database.Name}", ConnectionString(database, secrets, project)),
                ProjectResource other => ($"services__{other.Name}__http__0", Url(other).ToString().TrimEnd('/')),
                _ => throw new InvalidOperationException($"{project.Name} cannot reference {reference.Name}."),
            };
            environment[key] = value;
        }

        foreach (var (key, value) in TelemetryEnvironment(project))
        {
            environment[key] = value;
        }

        foreach (var (key, value) in project.Environment)
        {
            environment[key] = value switch
            {
                EnvironmentValue.Text text => text.Value,
                EnvironmentValue.Parameter parameter => secrets.ValueOf(parameter.Resource),
                EnvironmentValue.Endpoint endpoint => Url(endpoint).ToString(),
                _ => throw new InvalidOperationException($"Unknown environment value for {key}."),
            };
        }

        return environment;
    }

    /// <summary>
    /// The dashboard gets its token and OTLP addresses; every other service exports to it, unless
    /// OTEL_EXPORTER_OTLP_ENDPOINT is set for the AppHost: then that endpoint wins, and the services
    /// get it (with the rest of the AppHost's OTEL_* variables) by inheritance.
    /// </summary>
    private Dictionary<string, string> TelemetryEnvironment(ProjectResource project)
    {
        if (_dashboard is null)
        {
            return [];
        }

        if (project == _dashboard)
        {
            return new(StringComparer.Ordinal)
            {
                ["Dashboard__BrowserToken"] = _dashboardToken,
                ["Dashboard__Otlp__GrpcUrl"] = Url(_dashboard.OtlpGrpc).ToString().TrimEnd('/'),
                ["Dashboard__Otlp__HttpUrl"] = Url(_dashboard.OtlpHttp).ToString().TrimEnd('/'),
                ["Dashboard__ResourceService__Url"] = _resourceService!.Url.ToString().TrimEnd('/'),
                ["Dashboard__ResourceService__Key"] = _resourceService.Key,
            };
        }

        if (_configuration.GetValueOrDefault("OTEL_EXPORTER_OTLP_ENDPOINT") is { Length: > 0 })
        {
            return [];
        }

        return new(s_localExport, StringComparer.Ordinal)
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Url(_dashboard.OtlpGrpc).ToString().TrimEnd('/'),
        };
    }

    /// <summary>A resource's console lines kept so far, then each new one (the dashboard's console page).</summary>
    internal IAsyncEnumerable<ConsoleLine> FollowConsoleAsync(string name, CancellationToken cancellationToken) =>
        LogOf(_model.Single(r => r.Name == name)).FollowAsync(cancellationToken);

    internal IEnumerable<string> WaitsFor(string name) => _model.Single(r => r.Name == name).WaitsFor.Select(r => r.Name);

    /// <summary>
    /// A project's environment as the dashboard shows it: a value is null (masked) when it holds a
    /// secret (a secret parameter, and so a connection string's password, or the dashboard's own keys).
    /// </summary>
    internal IEnumerable<(string Name, string? Value)> MaskedEnvironmentOf(string name)
    {
        if (_model.Single(r => r.Name == name) is not ProjectResource project || _secrets is null)
        {
            return [];
        }

        var secrets = _model.OfType<ParameterResource>().Where(p => p.Secret).Select(p => _secrets.ValueOf(p))
            .Append(_dashboardToken)
            .Concat(_resourceService is null ? [] : [_resourceService.Key])
            .ToList();
        return EnvironmentOf(project, _secrets)
            .OrderBy(variable => variable.Key, StringComparer.Ordinal)
            .Select(variable => (variable.Key, HoldsSecret(variable.Value) ? null : (string?)variable.Value));

        bool HoldsSecret(string value) => secrets.Any(secret => value.Contains(secret, StringComparison.Ordinal));
    }

    internal bool IsExternal(PostgresServerResource server) =>
        server.Databases.Count > 0 && server.Databases.All(d => ExternalConnectionString(d) is not null);

    private string ConnectionString(PostgresDatabaseResource database) => ConnectionString(database, Secrets);

    internal string ConnectionString(PostgresDatabaseResource database, LocalSecrets secrets) =>
        ExternalConnectionString(database)
        ?? PostgresServer.LocalConnectionString(database.Server.Port, secrets.ValueOf(database.Server.Password));

    /// <summary>
    /// What <paramref name="project"/> connects with: as its service role on a local server; an external string as given.
    /// </summary>
    private string ConnectionString(PostgresDatabaseResource database, LocalSecrets secrets, ProjectResource project) =>
        ExternalConnectionString(database) is null && project.DatabaseRoles.TryGetValue(database, out var role)
            ? PostgresServer.LocalConnectionString(
                database.Server.Port, PostgresServer.RolePassword(secrets.ValueOf(database.Server.Password), role), role)
            : ConnectionString(database, secrets);

    private IEnumerable<string> RolesOf(PostgresDatabaseResource database) =>
        _model.OfType<ProjectResource>()
            .SelectMany(p => p.DatabaseRoles.Where(r => r.Key == database).Select(r => r.Value))
            .Distinct(StringComparer.Ordinal);

    private string? ExternalConnectionString(PostgresDatabaseResource database) =>
        _configuration.GetValueOrDefault($"ConnectionStrings__{database.Name}") is { Length: > 0 } external ? external : null;

    internal static Uri Url(IResourceWithEndpoint endpoint) => new($"http://127.0.0.1:{endpoint.Port}");

    internal static Uri Url(EnvironmentValue.Endpoint endpoint) => new(Url(endpoint.Project), endpoint.Path);

    private void ExitedUnexpectedly(Resource resource, int exitCode) =>
        Publish(resource, s => s with
        {
            State = ResourceState.Exited,
            ExitCode = exitCode,
            ProcessId = null,
            LastLogLines = LogOf(resource).Tail(),
        });

    /// <summary>A running service whose <c>/health</c> fails is unhealthy until it passes again.</summary>
    private async Task MonitorHealthAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(s_healthInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                foreach (var (name, project) in _projects.ToList())
                {
                    if (ResourceNotifications.Get(name).State is not (ResourceState.Running or ResourceState.Unhealthy))
                    {
                        continue;
                    }

                    var state = await project.IsHealthyAsync(cancellationToken) ? ResourceState.Running : ResourceState.Unhealthy;
                    ResourceNotifications.Publish(name, s => s.State is ResourceState.Running or ResourceState.Unhealthy ? s with { State = state } : s);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task StopProcessAsync(Resource resource)
    {
        switch (resource)
        {
            case ProjectResource when _projects.TryGetValue(resource.Name, out var project):
                await project.StopAsync();
                LeftoverProcesses.Forget(_options.DataDirectory, resource.Name);
                break;
            case PostgresServerResource when _servers.TryGetValue(resource.Name, out var server):
                await server.DisposeAsync();
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _lifetime.CancelAsync();
        await _healthMonitor;

        // Dependents first, each level at once: the services, then the databases they write to.
        foreach (var level in _model.Where(IsShown).GroupBy(StopLevel).OrderByDescending(g => g.Key))
        {
            await Task.WhenAll(level.Select(async resource =>
            {
                if (ResourceNotifications.Get(resource.Name).ProcessId is not null)
                {
                    await StopResourceAsync(resource.Name);
                }
                else
                {
                    await StopProcessAsync(resource);
                }
            }));
        }

        foreach (var project in _projects.Values)
        {
            await project.DisposeAsync();
        }

        _projects.Clear();
        _servers.Clear();
        if (_resourceService is not null)
        {
            await _resourceService.DisposeAsync();
        }

        _lifetime.Dispose();
        if (_options.DeleteDataOnDispose)
        {
            foreach (var directory in new[] { _options.DataDirectory, DatabaseDirectory }.Distinct().Where(Directory.Exists))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    /// <summary>Services first, dependents before what they depend on; the databases and the dashboard last, so it sees the others stop.</summary>
    private static int StopLevel(Resource resource) => resource is ProjectResource and not DashboardResource ? 1 + Depth(resource) : 0;

    private static int Depth(Resource resource) => resource.WaitsFor.Count == 0 ? 0 : 1 + resource.WaitsFor.Max(Depth);

    private Resource Runnable(string name) =>
        _model.SingleOrDefault(r => r.Name == name && r is PostgresServerResource or ProjectResource)
        ?? throw new ArgumentException($"The app model has no server or project named '{name}'.", nameof(name));

    private ResourceLog LogOf(Resource resource)
    {
        lock (_logs)
        {
            return _logs.TryGetValue(resource.Name, out var log) ? log : _logs[resource.Name] = new ResourceLog(resource.Name, _options.Log);
        }
    }

    private void Publish(Resource resource, Func<ResourceSnapshot, ResourceSnapshot> change) =>
        ResourceNotifications.Publish(resource.Name, change);

    /// <summary>What runs or holds data; parameters and the token issuer are declarations only.</summary>
    private static bool IsShown(Resource resource) => resource is PostgresServerResource or PostgresDatabaseResource or ProjectResource;

    private static string TypeOf(Resource resource) => resource switch
    {
        PostgresServerResource => "postgres",
        PostgresDatabaseResource => "database",
        DashboardResource => "dashboard",
        _ => "project",
    };
}
