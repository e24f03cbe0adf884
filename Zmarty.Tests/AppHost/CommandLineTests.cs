using System.Collections;
using Zmarty.AppHost.Hosting;
using Zmarty.AppHost.Postgres;

namespace Zmarty.Tests.AppHost;

public sealed class CommandLineTests
{
    [Fact]
    public void Defaults_are_the_documented_ports_and_the_checkout_data_folder()
    {
        var command = CommandLine.Parse([], new Hashtable());

        Assert.Equal("up", command.Verb);
        Assert.Equal(5100, command.Options.Ports[ResourceNames.Api]);
        Assert.Equal(5200, command.Options.Ports[ResourceNames.AdminUi]);
        Assert.Equal(5300, command.Options.Ports[ResourceNames.Emulators]);
        Assert.Equal(55432, command.Options.Ports[ResourceNames.SupabaseA]);
        Assert.Equal(55433, command.Options.Ports[ResourceNames.SupabaseB]);
        Assert.Equal(Path.Combine(command.Options.RepositoryRoot, ".zmarty"), command.Options.DataDirectory);
        Assert.Empty(command.Options.ExternalConnectionStrings);
    }

    [Fact]
    public void Ports_come_from_options_over_environment_variables()
    {
        var command = CommandLine.Parse(
            ["up", "--reset", "--api-port", "6100"],
            new Hashtable { ["ZMARTY_API_PORT"] = "7100", ["ZMARTY_SUPABASE_A_PORT"] = "7432" });

        Assert.True(command.Options.Reset);
        Assert.Equal(6100, command.Options.Ports[ResourceNames.Api]);
        Assert.Equal(7432, command.Options.Ports[ResourceNames.SupabaseA]);
    }

    [Fact]
    public void A_connection_string_from_outside_replaces_that_database()
    {
        var command = CommandLine.Parse(["env"], new Hashtable { ["ConnectionStrings__chat"] = "Host=db.example;Password=x" });

        Assert.Equal("env", command.Verb);
        Assert.Equal("Host=db.example;Password=x", command.Options.ExternalConnectionStrings["chat"]);
        Assert.False(command.Options.ExternalConnectionStrings.ContainsKey("trading"));
    }

    [Fact]
    public void Token_takes_the_email_as_its_argument()
    {
        var command = CommandLine.Parse(["token", "dev@example.com", "--supabase-a-port", "6000"], new Hashtable());

        Assert.Equal(("token", "dev@example.com"), (command.Verb, command.Argument));
        Assert.Equal(6000, command.Options.Ports[ResourceNames.SupabaseA]);
    }

    [Theory]
    [InlineData(new[] { "--api-port", "http" }, "--api-port must be a port number from 1 to 65535, not 'http'")]
    [InlineData(new[] { "--api-port" }, "--api-port needs a value")]
    [InlineData(new[] { "--frobnicate" }, "Unknown option '--frobnicate'")]
    public void Bad_options_say_what_is_wrong(string[] args, string message)
    {
        var error = Assert.Throws<AppHostException>(() => CommandLine.Parse(args, new Hashtable()));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("20261124120000_credits.sql", "", "20261124120000", "credits")]
    [InlineData("0003_pgmq_api.sql", "local_", "local_0003", "pgmq_api")]
    [InlineData("seed.sql", "", "seed", "seed")]
    public void Migration_versions_are_read_as_the_Supabase_CLI_reads_them(string file, string prefix, string version, string name)
    {
        Assert.Equal((version, name), MigrationRunner.ParseFileName(file, prefix));
    }
}
