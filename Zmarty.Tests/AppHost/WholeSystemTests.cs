using System.Net;
using Npgsql;
using Zmarty.AppHost.Hosting;
using Zmarty.AppHost.Testing;

namespace Zmarty.Tests.AppHost;

[Collection(AppHostCollection.Name)]
public sealed class WholeSystemTests
{
    [Fact]
    public async Task The_whole_environment_starts_from_nothing_and_leaves_no_process_behind()
    {
        var probe = new ProcessProbe();
        string dataDirectory;

        await using (var app = await ZmartyTestingBuilder.StartAsync(o => o.ProcessStarted = probe.Record))
        {
            dataDirectory = app.DatabaseDirectory;

            Assert.Equal(
                [ResourceNames.SupabaseA, ResourceNames.SupabaseB, ResourceNames.Emulators, ResourceNames.Api, ResourceNames.Worker, ResourceNames.AdminUi],
                app.Resources.Select(r => r.Name));
            Assert.All(app.Resources, r => Assert.Equal("running", r.State));

            foreach (var service in new[] { ResourceNames.Emulators, ResourceNames.Api, ResourceNames.Worker, ResourceNames.AdminUi })
            {
                using var client = app.CreateHttpClient(service);
                var health = await client.GetAsync("/health");
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
                Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/alive")).StatusCode);
            }

            foreach (var connection in new[] { ResourceNames.ChatConnection, ResourceNames.TradingConnection })
            {
                await using var db = new NpgsqlConnection(app.GetConnectionString(connection));
                await db.OpenAsync();
                await using var version = new NpgsqlCommand("show server_version_num", db);
                Assert.StartsWith("15", (string)(await version.ExecuteScalarAsync())!, StringComparison.Ordinal);
            }

            await using (var trading = new NpgsqlConnection(app.GetConnectionString(ResourceNames.TradingConnection)))
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
    public async Task Services_report_unhealthy_while_their_database_is_down_and_recover_after()
    {
        await using var app = await ZmartyTestingBuilder.StartAsync();
        using var api = app.CreateHttpClient(ResourceNames.Api);
        using var emulators = app.CreateHttpClient(ResourceNames.Emulators);

        await app.StopDatabaseAsync(ResourceNames.SupabaseB);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await api.GetAsync("/health")).StatusCode);
        Assert.Equal("Unhealthy", await (await api.GetAsync("/health")).Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/alive")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await emulators.GetAsync("/health")).StatusCode);

        await app.StartDatabaseAsync(ResourceNames.SupabaseB);

        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task A_service_that_dies_after_start_up_is_reported_in_the_log()
    {
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var app = await ZmartyTestingBuilder.StartAsync(o => o.Log = log.Enqueue);
        var worker = app.Resources.Single(r => r.Name == ResourceNames.Worker).ProcessId!.Value;

        Zmarty.AppHost.Processes.Posix.Signal(worker, 9);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!log.Any(IsWorkerDeath) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Contains(log, IsWorkerDeath);
        Assert.Equal("stopped", app.Resources.Single(r => r.Name == ResourceNames.Worker).State);

        static bool IsWorkerDeath(string line) =>
            line.StartsWith("worker     | exited unexpectedly with code 137", StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_service_that_crashes_while_starting_stops_the_start_and_nothing_is_left_running()
    {
        var probe = new ProcessProbe();
        var options = ZmartyTestingBuilder.CreateOptions();
        options.ProcessStarted = probe.Record;
        // Every service that needs a database fails at start without its connection string.
        options.ServiceEnvironment["ConnectionStrings__trading"] = "";

        var error = await Assert.ThrowsAsync<AppHostException>(() => ZmartyApplication.StartAsync(options));

        Assert.Matches("(api|worker|admin) exited with code", error.Message);
        Assert.Contains("ConnectionStrings__trading", error.Message, StringComparison.Ordinal);
        Assert.NotEmpty(probe.Started);
        Assert.Empty(probe.StillRunning());
        Assert.Empty(ProcessProbe.ProcessesUsing(options.DataDirectory));
        Assert.False(Directory.Exists(options.DataDirectory));
    }
}
