using System.Net;
using System.Net.Sockets;
using Zmarty.AppHost.Hosting;
using Zmarty.AppHost.Model;
using Zmarty.AppHost.Testing;

namespace Zmarty.Tests.AppHost;

[Collection(AppHostCollection.Name)]
public sealed class StartupFailureTests
{
    [Theory]
    [InlineData("supabase-b", "--supabase-b-port", "ZMARTY_SUPABASE_B_PORT")]
    [InlineData("api", "--api-port", "ZMARTY_API_PORT")]
    public async Task A_taken_port_is_named_with_the_option_that_changes_it_and_nothing_starts(
        string resource, string option, string variable)
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var takenPort = ((IPEndPoint)holder.LocalEndpoint).Port;
        var probe = new ProcessProbe();
        var builder = ZmartyTestingBuilder.Create();
        builder.Resources.OfType<IResourceWithEndpoint>().Single(r => r.Name == resource).Port = takenPort;
        builder.Options.ProcessStarted = probe.Record;

        var error = await Assert.ThrowsAsync<AppHostException>(() => builder.Build().StartAsync());

        Assert.Contains($"Port {takenPort} for {resource} is already in use", error.Message, StringComparison.Ordinal);
        Assert.Contains(option, error.Message, StringComparison.Ordinal);
        Assert.Contains(variable, error.Message, StringComparison.Ordinal);
        Assert.Empty(probe.Started);
        Assert.False(Directory.Exists(builder.Options.DataDirectory));
    }

    [Fact]
    public async Task Missing_PostgreSQL_binaries_are_named_with_the_packages_to_install_and_nothing_starts()
    {
        var emptyBin = Directory.CreateTempSubdirectory("zmarty-no-postgres-");
        try
        {
            var probe = new ProcessProbe();
            var builder = ZmartyTestingBuilder.Create();
            builder.Options.PostgresBinDirectory = emptyBin.FullName;
            builder.Options.ProcessStarted = probe.Record;

            var error = await Assert.ThrowsAsync<AppHostException>(() => builder.Build().StartAsync());

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
            var builder = ZmartyTestingBuilder.Create();
            builder.Options.PostgresLibDirectory = emptyLib.FullName;

            var error = await Assert.ThrowsAsync<AppHostException>(() => builder.Build().StartAsync());

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
            await using var app = await ZmartyTestingBuilder.StartAsync(b =>
            {
                b.WithoutProjects();
                b.Options.DataDirectory = Path.Combine(privateHome.FullName, ".zmarty");
                b.Options.Log = log.Enqueue;
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
        await using var local = await ZmartyTestingBuilder.StartAsync(b => b.WithoutProjects());
        var external = local.GetConnectionString("chat");

        await using var app = await ZmartyTestingBuilder.StartAsync(b =>
        {
            b.WithoutProjects();
            b.Configuration["ConnectionStrings__chat"] = external;
            b.Options.ProcessStarted = probe.Record;
        });

        Assert.Equal(external, app.GetConnectionString("chat"));
        Assert.Equal(ResourceState.External, app.Resources.Single(r => r.Name == "supabase-a").State);
        Assert.Equal(["supabase-b"], probe.Started.Values);
    }
}
