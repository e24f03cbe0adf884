using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Zmarty.Testing;

namespace Zmarty.Tests.AppHost;

/// <summary>The AppHost's own model on Aspire.Hosting.Testing: what runs, what each service is given, stops and restarts.</summary>
[Collection(AppHostSecondCollection.Name)]
public sealed class WholeSystemTests
{
    private static readonly string[] s_projects = ["emulators", "api", "worker", "admin"];

    [Fact]
    public async Task The_whole_environment_starts_from_nothing_and_leaves_no_process_behind()
    {
        List<int> processes;
        List<string> containers;
        string dataDirectory;
        await using (var app = await TestSystem.StartAsync())
        {
            dataDirectory = app.DataDirectory!;
            var model = app.App.Services.GetRequiredService<DistributedApplicationModel>();
            // Aspire adds a hidden "-rebuilder" beside each project.
            Assert.Equal(
                ["database-password", "jwt-secret", "jwt-issuer", "webhook-secret", "admin-password",
                 "supabase-a", "chat", "supabase-b", "trading", .. s_projects],
                model.Resources.Select(r => r.Name).Where(n => !n.EndsWith("-rebuilder", StringComparison.Ordinal)));

            foreach (var service in s_projects)
            {
                using var client = app.CreateHttpClient(service);
                var health = await client.GetAsync("/health");
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
                Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());
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

            // A server is a process (process mode) or a container; either way nothing of it may outlive the system.
            var servers = new[] { "supabase-a", "supabase-b" }.Where(r => HasProcess(app, r)).ToList();
            processes = [.. s_projects.Concat(servers).SelectMany(r => ProcessTree(app, r))];
            containers = [.. new[] { "supabase-a", "supabase-b" }.Except(servers).Select(r => ContainerId(app, r))];
        }

        Assert.DoesNotContain(processes, ProcessProbe.IsRunning);
        Assert.Empty(ProcessProbe.ProcessesUsing(dataDirectory));
        Assert.DoesNotContain(containers, ContainerExists);
        Assert.False(Directory.Exists(dataDirectory));
    }

    [Fact]
    public async Task A_service_gets_only_the_connection_strings_endpoints_and_secrets_it_references()
    {
        await using var app = await TestSystem.StartAsync();

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
                await using var session = new NpgsqlConnection(connection.ConnectionString);
                await session.OpenAsync();
            }
        }

        Assert.NotEqual(
            new NpgsqlConnectionStringBuilder(api["ConnectionStrings__chat"]).Password,
            new NpgsqlConnectionStringBuilder(worker["ConnectionStrings__chat"]).Password);
        Assert.Equal(app.GetEndpoint("emulators").ToString().TrimEnd('/'), api["services__emulators__http__0"]);
        Assert.Equal(api["Webhooks__Secret"], worker["Webhooks__Secret"]);
        Assert.StartsWith("whsec_", worker["Webhooks__Secret"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_service_stopped_and_started_while_the_rest_runs_answers_again_and_databases_recover_from_a_restart()
    {
        await using var app = await TestSystem.StartAsync();
        using var api = app.CreateHttpClient("api");

        await app.StopResourceAsync("api");
        await Assert.ThrowsAsync<HttpRequestException>(() => api.GetAsync("/alive"));
        await app.StartResourceAsync("api");
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/health")).StatusCode);

        await app.StopResourceAsync("supabase-b");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await api.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/alive")).StatusCode);
        await app.StartResourceAsync("supabase-b");
        // The Api's pool finds its connections to the old server broken on first use, then opens new ones.
        var recovered = DateTime.UtcNow.AddMinutes(1);
        var status = (await api.GetAsync("/health")).StatusCode;
        while (status != HttpStatusCode.OK && DateTime.UtcNow < recovered)
        {
            await Task.Delay(200);
            status = (await api.GetAsync("/health")).StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(KnownResourceStates.Running, State(app, "worker"));
    }

    [Fact]
    public async Task A_service_that_crashes_while_starting_fails_the_start_and_nothing_is_left_running()
    {
        var builder = await TestSystem.CreateBuilderAsync();
        var dataDirectory = builder.Configuration["Supabase:DataDirectory"]!;
        // The api fails at start without its connection string, and says which one.
        builder.GetResource<ProjectResource>("api").WithEnvironment("ConnectionStrings__trading", "");

        await Assert.ThrowsAnyAsync<Exception>(() => TestSystem.StartAsync(builder));

        Assert.Empty(ProcessProbe.ProcessesUsing(dataDirectory));
        Assert.False(Directory.Exists(dataDirectory));
    }

    private static string? State(TestSystem app, string resource) =>
        app.ResourceNotifications.TryGetCurrentState(resource, out var current) ? current.Snapshot.State?.Text : null;

    private static bool HasProcess(TestSystem app, string resource) =>
        app.ResourceNotifications.TryGetCurrentState(resource, out var current)
        && current.Snapshot.Properties.Any(p => p.Name == "executable.pid");

    private static string ContainerId(TestSystem app, string resource)
    {
        Assert.True(app.ResourceNotifications.TryGetCurrentState(resource, out var current));
        var id = current.Snapshot.Properties.Single(p => p.Name == "container.id").Value;
        return Convert.ToString(id, System.Globalization.CultureInfo.InvariantCulture)!;
    }

    private static bool ContainerExists(string id)
    {
        var engine = Environment.GetEnvironmentVariable("ASPIRE_CONTAINER_RUNTIME") ?? "podman";
        using var inspect = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(engine, ["container", "exists", id]))!;
        inspect.WaitForExit();
        return inspect.ExitCode == 0;
    }

    /// <summary>The process the orchestrator started for a resource (a project's <c>dotnet run</c>) and its children.</summary>
    private static IEnumerable<int> ProcessTree(TestSystem app, string resource)
    {
        Assert.True(app.ResourceNotifications.TryGetCurrentState(resource, out var current));
        var pid = Convert.ToInt32(current.Snapshot.Properties.Single(p => p.Name == "executable.pid").Value,
            System.Globalization.CultureInfo.InvariantCulture);
        return [pid, .. ProcessProbe.ChildrenOf(pid)];
    }

    /// <summary>The environment the orchestrator gave a service.</summary>
    private static Dictionary<string, string> EnvironmentOf(TestSystem app, string resource)
    {
        Assert.True(app.ResourceNotifications.TryGetCurrentState(resource, out var current));
        return current.Snapshot.EnvironmentVariables
            .Where(v => v.IsFromSpec)
            .ToDictionary(v => v.Name, v => v.Value ?? "", StringComparer.Ordinal);
    }
}
