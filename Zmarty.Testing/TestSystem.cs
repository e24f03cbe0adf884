using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Zmarty.AppHost;
using Zmarty.AppHost.Supabase;

namespace Zmarty.Testing;

/// <summary>
/// The AppHost's own model started for a test through Aspire.Hosting.Testing: every port random, the
/// databases in a throw-away data directory without fsync, everything stopped and deleted on dispose.
/// <c>ZMARTY_TEST_POSTGRES=container|process</c> picks how the databases run (process when unset);
/// <c>ZMARTY_TEST_LOG=FILE</c> appends every resource's log lines to FILE.
/// </summary>
public sealed class TestSystem : IAsyncDisposable
{
    /// <summary>How long a start may take before the test fails; a cold, loaded 2-core machine needs room.</summary>
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromMinutes(3);

    private readonly Dictionary<string, string> _connectionStrings;

    private TestSystem(DistributedApplication app, string? dataDirectory, Dictionary<string, string> connectionStrings)
    {
        App = app;
        DataDirectory = dataDirectory;
        _connectionStrings = connectionStrings;
    }

    public DistributedApplication App { get; }

    /// <summary>Where the process-mode databases keep their data, deleted on dispose; null when the test keeps it.</summary>
    public string? DataDirectory { get; }

    public ResourceNotificationService ResourceNotifications => App.Services.GetRequiredService<ResourceNotificationService>();

    /// <summary>The model with the test settings, for a test to change before it starts it.</summary>
    public static Task<IDistributedApplicationTestingBuilder> CreateBuilderAsync(params string[] args) =>
        CreateBuilderAsync(dashboard: false, args);

    /// <param name="dashboard">
    /// With the Aspire dashboard, and every service exporting its telemetry to it, as under <c>./zmarty up</c>.
    /// </param>
    public static async Task<IDistributedApplicationTestingBuilder> CreateBuilderAsync(bool dashboard, params string[] args)
    {
        // Under /tmp, which the postgres user can always reach, unlike a checkout in /root.
        var dataDirectory = Path.Combine(Path.GetTempPath(), "zmarty-test-" + Guid.NewGuid().ToString("N")[..12]);
        var mode = Environment.GetEnvironmentVariable("ZMARTY_TEST_POSTGRES") is { Length: > 0 } configured ? configured : "process";
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Zmarty_AppHost>(
            [
                $"--Supabase:DataDirectory={dataDirectory}",
                "--Supabase:Durable=false",
                $"--Supabase:Mode={mode}",
                .. args,
            ],
            (options, _) => options.DisableDashboard = !dashboard);
        if (!dashboard)
        {
            // A service told to export to a dashboard that is not there would spend its shutdown (10 s, the
            // export timeout) flushing to nothing; an empty endpoint turns its exporter off.
            foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
            {
                builder.CreateResourceBuilder(project).WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", "");
            }
        }

        if (Environment.GetEnvironmentVariable("ZMARTY_TEST_LOG") is { Length: > 0 } file)
        {
            builder.Services.AddLogging(logging => logging.AddProvider(new FileLoggerProvider(file)));
        }

        return builder;
    }

    /// <summary>Builds the model (changed by <paramref name="configure"/>), starts it and waits until every resource is healthy.</summary>
    public static async Task<TestSystem> StartAsync(
        Action<IDistributedApplicationTestingBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var builder = await CreateBuilderAsync();
        configure?.Invoke(builder);
        return await StartAsync(builder, cancellationToken: cancellationToken);
    }

    /// <param name="keepData">Leave the data directory on dispose, for a test that starts twice on the same data.</param>
    public static async Task<TestSystem> StartAsync(
        IDistributedApplicationTestingBuilder builder, bool keepData = false, CancellationToken cancellationToken = default)
    {
        var dataDirectory = builder.Configuration["Supabase:DataDirectory"]!;
        // Each service on a free port of its own, without the orchestrator's proxy in front: a stopped
        // service then refuses connections as a real outage does (a proxy would take them and hang),
        // and comes back on the same port.
        // Replicas share one port behind the proxy, so they keep it.
        foreach (var project in builder.Resources.OfType<ProjectResource>()
                     .Where(p => !p.TryGetLastAnnotation<ReplicaAnnotation>(out var replicas) || replicas.Replicas == 1).ToList())
        {
            var port = Ports.PickFree();
            builder.CreateResourceBuilder(project).WithEndpoint("http", endpoint =>
            {
                endpoint.IsProxied = false;
                endpoint.Port = port;
                endpoint.TargetPort = port;
            });
        }

        // The local PostgreSQL servers listen on their ports themselves, which the testing builder leaves as the
        // AppHost set them (55432, 55433): systems that run side by side need a free pair each.
        foreach (var endpoint in builder.Resources.OfType<LocalPostgresServerResource>()
                     .SelectMany(server => server.Annotations.OfType<EndpointAnnotation>()))
        {
            endpoint.Port = endpoint.TargetPort = Ports.PickFree();
        }

        var app = await builder.BuildAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_startTimeout);
        try
        {
            await app.StartAsync(timeout.Token);
            var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
            var model = app.Services.GetRequiredService<DistributedApplicationModel>();
            using var watching = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
            var healthy = Task.WhenAll(Runnable(model).Select(r =>
                notifications.WaitForResourceHealthyAsync(r.Name, WaitBehavior.StopOnResourceUnavailable, timeout.Token)));
            var failed = MigrationFailureAsync(notifications, watching.Token);
            if (await Task.WhenAny(healthy, failed) == failed && failed.IsFaulted)
            {
                await failed;
            }

            await healthy;
            await watching.CancelAsync();
            var connectionStrings = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var database in model.Resources.OfType<IResourceWithConnectionString>().Where(r => r is IResourceWithParent))
            {
                connectionStrings[database.Name] = (await database.GetConnectionStringAsync(timeout.Token))!;
            }

            return new TestSystem(app, keepData ? null : dataDirectory, connectionStrings);
        }
        catch
        {
            await app.DisposeAsync();
            if (!keepData)
            {
                DeleteDirectory(dataDirectory);
            }

            throw;
        }
    }

    /// <summary>
    /// Throws the first migration failure (file, line, SQLSTATE) any database reports, until cancelled. Under load the
    /// failing ready event may come after the start returned, and the database's state alone ("Migration failed") is
    /// not one the healthy wait stops on.
    /// </summary>
    private static async Task MigrationFailureAsync(ResourceNotificationService notifications, CancellationToken cancellationToken)
    {
        await foreach (var update in notifications.WatchAsync(cancellationToken))
        {
            if (update.Snapshot.State?.Text == MigrationFailedAnnotation.State
                && update.Resource.Annotations.OfType<MigrationFailedAnnotation>().LastOrDefault() is { } failure)
            {
                throw new AppHostException(failure.Message);
            }
        }
    }

    /// <summary>A database's connection string as the superuser (what the migrations and the signup trigger run as).</summary>
    public string GetConnectionString(string database) => _connectionStrings[database];

    public Uri GetEndpoint(string resource) => App.GetEndpoint(resource);

    public HttpClient CreateHttpClient(string resource) => new() { BaseAddress = GetEndpoint(resource) };

    public string GetParameterValue(string name)
    {
        var parameter = App.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .OfType<ParameterResource>()
            .Single(p => p.Name == name);
        return parameter.GetValueAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult()!;
    }

    /// <summary>Stops one resource while the rest runs, as an outage or an operator would; its data stays.</summary>
    public async Task StopResourceAsync(string name, CancellationToken cancellationToken = default)
    {
        var result = await App.ResourceCommands.ExecuteCommandAsync(name, KnownResourceCommands.StopCommand, cancellationToken);
        EnsureSucceeded(result, "stopping", name);
        await ResourceNotifications.WaitForResourceAsync(name, KnownResourceStates.TerminalStates, cancellationToken);
    }

    /// <summary>
    /// Starts a stopped resource again, on the same port and data, and waits until it (and a server's database) is healthy.
    /// </summary>
    public async Task StartResourceAsync(string name, CancellationToken cancellationToken = default)
    {
        var result = await App.ResourceCommands.ExecuteCommandAsync(name, KnownResourceCommands.StartCommand, cancellationToken);
        EnsureSucceeded(result, "starting", name);
        var model = App.Services.GetRequiredService<DistributedApplicationModel>();
        // A server's database follows it; a project's hidden "-rebuilder" child never runs, so it is not waited for.
        foreach (var resource in model.Resources.Where(r =>
                     r.Name == name || r is IResourceWithParent child and IResourceWithConnectionString && child.Parent.Name == name))
        {
            // The old instance's deletion can still report "Exited" after the start began, so a terminal state is
            // not taken as failure here; a start that really fails shows as this limit running out.
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(s_startTimeout);
            try
            {
                await ResourceNotifications.WaitForResourceHealthyAsync(
                    resource.Name, WaitBehavior.WaitOnResourceUnavailable, limit.Token);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                // A timeout alone says nothing; the resource's own last lines usually say why.
                var server = resource is IResourceWithParent { Parent: var parent } ? parent : resource;
                throw new DistributedApplicationException(
                    $"{resource.Name} was not healthy {s_startTimeout.TotalMinutes} minutes after its start. "
                    + $"The last lines of {server.Name}:{Environment.NewLine}{await LastLinesAsync(server, 40)}", ex);
            }
        }
    }

    /// <summary>
    /// Starts again whichever of <paramref name="names"/> a test stopped or killed and did not start again (one that
    /// failed half-way, say), so the next test on a shared system does not fail for it.
    /// </summary>
    public async Task EnsureRunningAsync(params string[] names)
    {
        foreach (var name in names)
        {
            if (ResourceNotifications.TryGetCurrentState(name, out var current)
                && current.Snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state))
            {
                await StartResourceAsync(name);
            }
        }
    }

    /// <summary>The resource's latest log lines: its log stream replays what it kept, read here for a moment.</summary>
    private async Task<string> LastLinesAsync(IResource resource, int count)
    {
        var lines = new Queue<string>();
        using var enough = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            var logs = App.Services.GetRequiredService<ResourceLoggerService>();
            await foreach (var batch in logs.WatchAsync(resource).WithCancellation(enough.Token))
            {
                foreach (var line in batch)
                {
                    lines.Enqueue(line.Content);
                    if (lines.Count > count)
                    {
                        lines.Dequeue();
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>The service's own process: the orchestrator runs a project with <c>dotnet run</c>, whose one child it is.</summary>
    public int ServiceProcessId(string name)
    {
        if (!ResourceNotifications.TryGetCurrentState(name, out var current))
        {
            throw new InvalidOperationException($"{name} has not started.");
        }

        var runner = Convert.ToInt32(current.Snapshot.Properties.Single(p => p.Name == "executable.pid").Value,
            System.Globalization.CultureInfo.InvariantCulture);
        return ProcessProbe.ChildrenOf(runner).Single();
    }

    /// <summary>Kills a service's process outright (SIGKILL), as a crash would, and waits until the orchestrator sees it gone.</summary>
    public async Task KillServiceAsync(string name, CancellationToken cancellationToken = default)
    {
        using (var service = System.Diagnostics.Process.GetProcessById(ServiceProcessId(name)))
        {
            service.Kill();
            await service.WaitForExitAsync(cancellationToken);
        }

        await ResourceNotifications.WaitForResourceAsync(name, KnownResourceStates.TerminalStates, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        if (DataDirectory is not null)
        {
            DeleteDirectory(DataDirectory);
        }
    }

    private static void EnsureSucceeded(ExecuteCommandResult result, string doing, string name)
    {
        if (!result.Success)
        {
            throw new InvalidOperationException($"{doing} {name}: {result.Message}");
        }
    }

    /// <summary>Projects, servers and databases: what a healthy system has running.</summary>
    private static IEnumerable<IResource> Runnable(DistributedApplicationModel model) =>
        model.Resources.Where(r => r is ProjectResource or IResourceWithConnectionString && r is not ParameterResource);

    private static void DeleteDirectory(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private sealed class FileLoggerProvider(string file) : ILoggerProvider
    {
        private static readonly Lock s_gate = new();

        public ILogger CreateLogger(string categoryName) => new FileLogger(file, categoryName);

        public void Dispose()
        {
        }

        private sealed class FileLogger(string file, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(
                LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (s_gate)
                {
                    var line = $"{DateTime.UtcNow:HH:mm:ss.fff} {category} | {formatter(state, exception)}";
                    File.AppendAllText(file, line + Environment.NewLine);
                }
            }
        }
    }
}

/// <summary>How tests change the model before they start it.</summary>
public static class TestModel
{
    public static IResourceBuilder<T> GetResource<T>(this IDistributedApplicationTestingBuilder builder, string name)
        where T : IResource => builder.CreateResourceBuilder<T>(name);

    /// <summary>Removes a resource nothing else references or waits for (the worker, the admin UI).</summary>
    public static IDistributedApplicationTestingBuilder RemoveResource(this IDistributedApplicationTestingBuilder builder, string name)
    {
        builder.Resources.Remove(builder.Resources.Single(r => r.Name == name));
        return builder;
    }

    /// <summary>Only the databases: every project removed.</summary>
    public static IDistributedApplicationTestingBuilder WithoutProjects(this IDistributedApplicationTestingBuilder builder)
    {
        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
        {
            builder.Resources.Remove(project);
        }

        return builder;
    }

    /// <summary>The URL of <paramref name="path"/> on a project, for another project's environment.</summary>
    public static ReferenceExpression EndpointUrl(this IResourceBuilder<ProjectResource> project, string path) =>
        ReferenceExpression.Create($"{project.GetEndpoint("http")}{path}");
}
