using System.Net;
using Npgsql;
using Zmarty.AppHost.Hosting;
using Zmarty.AppHost.Model;
using Zmarty.AppHost.Processes;
using Zmarty.AppHost.Testing;

namespace Zmarty.Tests.AppHost;

[Collection(AppHostCollection.Name)]
public sealed class WholeSystemTests
{
    private static readonly string[] s_projects = ["emulators", "api", "worker", "admin"];

    [Fact]
    public async Task The_whole_environment_starts_from_nothing_and_leaves_no_process_behind()
    {
        var probe = new ProcessProbe();
        string dataDirectory;

        await using (var app = await ZmartyTestingBuilder.StartAsync(b => b.Options.ProcessStarted = probe.Record))
        {
            dataDirectory = app.DatabaseDirectory;

            Assert.Equal(
                ["supabase-a", "chat", "supabase-b", "trading", .. s_projects],
                app.Resources.Select(r => r.Name));
            Assert.All(app.Resources, r => Assert.Equal(ResourceState.Running, r.State));

            foreach (var service in s_projects)
            {
                using var client = app.CreateHttpClient(service);
                var health = await client.GetAsync("/health");
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
                Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/alive")).StatusCode);
            }

            foreach (var connection in new[] { "chat", "trading" })
            {
                await using var db = new NpgsqlConnection(app.GetConnectionString(connection));
                await db.OpenAsync();
                await using var version = new NpgsqlCommand("show server_version_num", db);
                Assert.StartsWith("15", (string)(await version.ExecuteScalarAsync())!, StringComparison.Ordinal);
            }

            await using (var trading = new NpgsqlConnection(app.GetConnectionString("trading")))
            {
                await trading.OpenAsync();
                await using var preload = new NpgsqlCommand("show shared_preload_libraries", trading);
                Assert.Contains("pg_cron", (string)(await preload.ExecuteScalarAsync())!, StringComparison.Ordinal);
            }

            Assert.Equal(6, probe.Started.Count);
        }

        Assert.Empty(probe.StillRunning());
        Assert.Empty(ProcessProbe.ProcessesUsing(dataDirectory));
        Assert.False(Directory.Exists(dataDirectory));
    }

    [Fact]
    public async Task A_service_gets_only_the_connection_strings_endpoints_and_secrets_it_references()
    {
        await using var app = await ZmartyTestingBuilder.StartAsync();

        var emulators = EnvironmentOf(app, "emulators");
        var admin = EnvironmentOf(app, "admin");
        var api = EnvironmentOf(app, "api");
        var worker = EnvironmentOf(app, "worker");

        Assert.DoesNotContain(emulators.Keys, k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal) || k.StartsWith("services__", StringComparison.Ordinal));
        Assert.DoesNotContain(emulators.Keys, k => k is "Supabase__JwtSecret" or "Admin__Password" or "Webhooks__Secret");
        Assert.Equal(["ConnectionStrings__chat", "ConnectionStrings__trading"], admin.Keys.Where(k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.DoesNotContain("Supabase__JwtSecret", admin.Keys);
        Assert.DoesNotContain("Webhooks__Secret", admin.Keys);
        Assert.DoesNotContain("Admin__Password", api.Keys);
        // Each service connects as its own role, with a password that opens no other role and is not the superuser's.
        var superuser = new NpgsqlConnectionStringBuilder(app.GetConnectionString("chat"));
        foreach (var (service, environment, role) in
                 new[] { ("api", api, "zmarty_api"), ("worker", worker, "zmarty_worker"), ("admin", admin, "zmarty_admin") })
        {
            foreach (var database in new[] { "chat", "trading" })
            {
                var connection = new NpgsqlConnectionStringBuilder(environment[$"ConnectionStrings__{database}"]);
                Assert.True(role == connection.Username, $"{service} connects to {database} as {connection.Username}");
                Assert.NotEqual(superuser.Password, connection.Password);
            }
        }

        Assert.NotEqual(
            new NpgsqlConnectionStringBuilder(api["ConnectionStrings__chat"]).Password,
            new NpgsqlConnectionStringBuilder(worker["ConnectionStrings__chat"]).Password);
        Assert.Equal(app.GetEndpoint("emulators").ToString().TrimEnd('/'), api["services__emulators__http__0"]);
        Assert.Equal(app.GetEndpoint("api").ToString().TrimEnd('/'), worker["services__api__http__0"]);
        Assert.Equal(api["Webhooks__Secret"], worker["Webhooks__Secret"]);
        Assert.StartsWith("whsec_", worker["Webhooks__Secret"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_without_the_worker_starts_the_rest_and_no_worker_process()
    {
        var probe = new ProcessProbe();

        await using var app = await ZmartyTestingBuilder.StartAsync(b =>
        {
            b.RemoveResource("worker");
            b.Options.ProcessStarted = probe.Record;
        });

        Assert.DoesNotContain(app.Resources, r => r.Name == "worker");
        Assert.Equal(["admin", "api", "emulators", "supabase-a", "supabase-b"], probe.Started.Values.Order(StringComparer.Ordinal));
        Assert.All(app.Resources, r => Assert.Equal(ResourceState.Running, r.State));
    }

    [Fact]
    public async Task A_service_stopped_and_started_while_the_rest_runs_goes_stopped_starting_running_and_answers_again()
    {
        await using var app = await ZmartyTestingBuilder.StartAsync();
        using var watching = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var states = new List<ResourceState>();
        var updates = app.ResourceNotifications.WatchAsync(watching.Token).GetAsyncEnumerator(watching.Token);
        // Subscribed once the first snapshot is in hand: every resource's current state comes first.
        await updates.MoveNextAsync();
        var watcher = CollectApiStatesAsync();
        var firstPid = app.ResourceNotifications.Get("api").ProcessId;

        await app.StopResourceAsync("api");
        using var api = app.CreateHttpClient("api");
        await Assert.ThrowsAsync<HttpRequestException>(() => api.GetAsync("/alive"));
        await app.StartResourceAsync("api");
        var running = await app.ResourceNotifications.WaitForResourceHealthyAsync("api", watching.Token);
        await watching.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watcher);

        Assert.Equal(
            [ResourceState.Running, ResourceState.Stopping, ResourceState.Stopped, ResourceState.Starting, ResourceState.Running],
            states);
        Assert.Equal(1, running.Restarts);
        Assert.NotEqual(firstPid, running.ProcessId);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/health")).StatusCode);
        Assert.Equal(ResourceState.Running, app.ResourceNotifications.Get("worker").State);

        async Task CollectApiStatesAsync()
        {
            do
            {
                if (updates.Current.Name == "api")
                {
                    states.Add(updates.Current.State);
                }
            }
            while (await updates.MoveNextAsync());
        }
    }

    [Fact]
    public async Task Services_report_unhealthy_while_their_database_is_down_and_recover_after()
    {
        await using var app = await ZmartyTestingBuilder.StartAsync();
        using var api = app.CreateHttpClient("api");
        using var emulators = app.CreateHttpClient("emulators");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));

        await app.StopResourceAsync("supabase-b");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await api.GetAsync("/health")).StatusCode);
        Assert.Equal("Unhealthy", await (await api.GetAsync("/health")).Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/alive")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await emulators.GetAsync("/health")).StatusCode);
        await app.ResourceNotifications.WaitForResourceAsync("api", ResourceState.Unhealthy, timeout.Token);
        Assert.Equal(ResourceState.Stopped, app.ResourceNotifications.Get("supabase-b").State);

        await app.StartResourceAsync("supabase-b");

        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/health")).StatusCode);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("api", timeout.Token);
    }

    [Fact]
    public async Task A_service_that_dies_after_start_up_is_reported_with_its_exit_code_and_last_lines()
    {
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var app = await ZmartyTestingBuilder.StartAsync(b => b.Options.Log = log.Enqueue);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var worker = app.ResourceNotifications.Get("worker").ProcessId!.Value;

        Posix.Signal(worker, Posix.SigKill);
        var exited = await app.ResourceNotifications.WaitForResourceAsync("worker", ResourceState.Exited, timeout.Token);

        Assert.Equal(137, exited.ExitCode);
        Assert.Null(exited.ProcessId);
        Assert.False(string.IsNullOrWhiteSpace(exited.LastLogLines));
        Assert.Contains(log, line => line.StartsWith("worker     | exited unexpectedly with code 137", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_service_that_crashes_while_starting_stops_the_start_and_nothing_is_left_running()
    {
        var probe = new ProcessProbe();
        var builder = ZmartyTestingBuilder.Create();
        builder.Options.ProcessStarted = probe.Record;
        // The api fails at start without its connection string, and says which one.
        builder.GetResource<ProjectResource>("api").WithEnvironment("ConnectionStrings__trading", "");
        var app = builder.Build();

        var error = await Assert.ThrowsAsync<AppHostException>(() => app.StartAsync());

        Assert.StartsWith("api exited with code", error.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings__trading", error.Message, StringComparison.Ordinal);
        Assert.Equal(ResourceState.FailedToStart, app.ResourceNotifications.Get("api").State);
        Assert.NotEmpty(probe.Started);
        Assert.Empty(probe.StillRunning());
        Assert.Empty(ProcessProbe.ProcessesUsing(builder.Options.DataDirectory));
        Assert.False(Directory.Exists(builder.Options.DataDirectory));
    }

    /// <summary>The environment a service process was started with, from /proc.</summary>
    private static Dictionary<string, string> EnvironmentOf(DistributedApplication app, string resource)
    {
        var pid = app.ResourceNotifications.Get(resource).ProcessId!.Value;
        return File.ReadAllText($"/proc/{pid}/environ")
            .Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(v => v.Split('=', 2))
            .ToDictionary(v => v[0], v => v.Length > 1 ? v[1] : "", StringComparer.Ordinal);
    }
}
