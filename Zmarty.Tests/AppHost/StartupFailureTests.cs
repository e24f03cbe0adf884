using System.Net;
using System.Net.Sockets;
using Zmarty.AppHost.Hosting;
using Zmarty.AppHost.Testing;

namespace Zmarty.Tests.AppHost;

[Collection(AppHostCollection.Name)]
public sealed class StartupFailureTests
{
    [Theory]
    [InlineData(ResourceNames.SupabaseB, "--supabase-b-port", "ZMARTY_SUPABASE_B_PORT")]
    [InlineData(ResourceNames.Api, "--api-port", "ZMARTY_API_PORT")]
    public async Task A_taken_port_is_named_with_the_option_that_changes_it_and_nothing_starts(
        string resource, string option, string variable)
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var takenPort = ((IPEndPoint)holder.LocalEndpoint).Port;
        var probe = new ProcessProbe();
        var options = ZmartyTestingBuilder.CreateOptions();
        options.Ports[resource] = takenPort;
        options.ProcessStarted = probe.Record;

        var error = await Assert.ThrowsAsync<AppHostException>(() => ZmartyApplication.StartAsync(options));

        Assert.Contains($"Port {takenPort} for {resource} is already in use", error.Message, StringComparison.Ordinal);
        Assert.Contains(option, error.Message, StringComparison.Ordinal);
        Assert.Contains(variable, error.Message, StringComparison.Ordinal);
        Assert.Empty(probe.Started);
        Assert.False(Directory.Exists(options.DataDirectory));
    }

    [Fact]
    public async Task Missing_PostgreSQL_binaries_are_named_with_the_packages_to_install_and_nothing_starts()
    {
        var emptyBin = Directory.CreateTempSubdirectory("zmarty-no-postgres-");
        try
        {
            var probe = new ProcessProbe();
            var options = ZmartyTestingBuilder.CreateOptions();
            options.PostgresBinDirectory = emptyBin.FullName;
            options.ProcessStarted = probe.Record;

            var error = await Assert.ThrowsAsync<AppHostException>(() => ZmartyApplication.StartAsync(options));

            Assert.Contains($"PostgreSQL 15 server programs (initdb, postgres) were not found in {emptyBin.FullName}", error.Message, StringComparison.Ordinal);
            Assert.Contains("apt-get install postgresql-15 postgresql-15-cron", error.Message, StringComparison.Ordinal);
            Assert.Empty(probe.Started);
        }
        finally
        {
            emptyBin.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_missing_pg_cron_is_named_too()
    {
        var emptyLib = Directory.CreateTempSubdirectory("zmarty-no-cron-");
        try
        {
            var options = ZmartyTestingBuilder.CreateOptions();
            options.PostgresLibDirectory = emptyLib.FullName;

            var error = await Assert.ThrowsAsync<AppHostException>(() => ZmartyApplication.StartAsync(options));

            Assert.Contains($"pg_cron was not found in {emptyLib.FullName}", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            emptyLib.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Databases_move_where_the_postgres_user_can_reach_them_when_the_data_folder_is_private()
    {
        var privateHome = Directory.CreateTempSubdirectory("zmarty-private-home-");
        File.SetUnixFileMode(privateHome.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        try
        {
            await using var app = await ZmartyTestingBuilder.StartAsync(o =>
            {
                o.StartServices = false;
                o.DataDirectory = Path.Combine(privateHome.FullName, ".zmarty");
                o.Log = log.Enqueue;
            });

            if (Environment.UserName == "root")
            {
                // As root the servers run as postgres, which cannot enter a 0700 folder of root's.
                Assert.StartsWith("/var/lib/zmarty/", app.DatabaseDirectory, StringComparison.Ordinal);
                Assert.Contains(log, line => line.Contains($"keeping the databases in {app.DatabaseDirectory}", StringComparison.Ordinal));
            }
            else
            {
                Assert.Equal(Path.Combine(privateHome.FullName, ".zmarty"), app.DatabaseDirectory);
            }

            Assert.True(File.Exists(Path.Combine(privateHome.FullName, ".zmarty", "secrets.json")));
        }
        finally
        {
            privateHome.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task An_external_connection_string_replaces_the_local_server()
    {
        var probe = new ProcessProbe();
        await using var local = await ZmartyTestingBuilder.StartAsync(o => o.StartServices = false);
        var external = local.GetConnectionString(ResourceNames.ChatConnection);

        await using var app = await ZmartyTestingBuilder.StartAsync(o =>
        {
            o.StartServices = false;
            o.ExternalConnectionStrings[ResourceNames.ChatConnection] = external;
            o.ProcessStarted = probe.Record;
        });

        Assert.Equal(external, app.GetConnectionString(ResourceNames.ChatConnection));
        Assert.Equal("external", app.Resources.Single(r => r.Name == ResourceNames.SupabaseA).State);
        Assert.Equal([ResourceNames.SupabaseB], probe.Started.Values);
    }
}
