using Zmarty.AppHost.Hosting;
using Zmarty.AppHost.Model;
using Zmarty.AppHost.Postgres;

namespace Zmarty.Tests.AppHost;

public sealed class CommandLineTests
{
    [Fact]
    public void Defaults_are_the_documented_ports_and_the_checkout_data_folder()
    {
        var (command, builder) = Parse([]);

        Assert.Equal("up", command.Verb);
        Assert.Equal(
            [
                ("dashboard", 18888), ("dashboard-otlp-grpc", 18889), ("dashboard-otlp-http", 18890),
                ("supabase-a", 55432), ("supabase-b", 55433), ("emulators", 5300), ("api", 5100), ("worker", 5400), ("admin", 5200),
            ],
            builder.Resources.Endpoints().Select(r => (r.Name, r.Port)));
        Assert.Equal(Path.Combine(builder.Options.RepositoryRoot, ".zmarty"), builder.Options.DataDirectory);
    }

    [Fact]
    public void Ports_come_from_options_over_environment_variables()
    {
        var (_, builder) = Parse(["up", "--reset", "--api-port", "6100"], ("ZMARTY_API_PORT", "7100"), ("ZMARTY_SUPABASE_A_PORT", "7432"));

        Assert.True(builder.Options.Reset);
        Assert.Equal(6100, Port(builder, "api"));
        Assert.Equal(7432, Port(builder, "supabase-a"));
    }

    [Fact]
    public void The_dashboards_otlp_ports_move_like_the_others()
    {
        var (_, builder) = Parse(["--dashboard-otlp-grpc-port", "4317"], ("ZMARTY_DASHBOARD_OTLP_HTTP_PORT", "4318"));

        Assert.Equal(4317, Port(builder, "dashboard-otlp-grpc"));
        Assert.Equal(4318, Port(builder, "dashboard-otlp-http"));
    }

    [Theory]
    [InlineData("--no-dashboard", null)]
    [InlineData(null, "false")]
    public void The_dashboard_can_be_left_out_of_a_run(string? option, string? variable)
    {
        var (command, builder) = Parse(option is null ? [] : [option], variable is null ? [] : [("ZMARTY_DASHBOARD", variable)]);

        Assert.Equal("up", command.Verb);
        Assert.DoesNotContain(builder.Resources, r => r is DashboardResource);
        Assert.Contains(builder.Resources, r => r.Name == "api");
    }

    [Fact]
    public void Token_takes_the_email_as_its_argument()
    {
        var (command, builder) = Parse(["token", "dev@example.com", "--supabase-a-port", "6000"]);

        Assert.Equal(("token", "dev@example.com"), (command.Verb, command.Argument));
        Assert.Equal(6000, Port(builder, "supabase-a"));
    }

    [Fact]
    public void Reconcile_takes_dry_run_as_its_argument_and_only_it()
    {
        Assert.Equal(("reconcile", "--dry-run"), Parse(["reconcile", "--dry-run"]) is var (c, _) ? (c.Verb, c.Argument) : default);
        Assert.Equal(("reconcile", null), Parse(["reconcile"]) is var (r, _) ? (r.Verb, r.Argument) : default);
        Assert.Throws<AppHostException>(() => Parse(["up", "--dry-run"]));
    }

    [Theory]
    [InlineData(new[] { "--api-port", "http" }, "--api-port must be a port number from 1 to 65535, not 'http'")]
    [InlineData(new[] { "--api-port" }, "--api-port needs a value")]
    [InlineData(new[] { "--frobnicate" }, "Unknown option '--frobnicate'")]
    public void Bad_options_say_what_is_wrong(string[] args, string message)
    {
        var error = Assert.Throws<AppHostException>(() => Parse(args));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    /// <summary>The AppHost's model with <paramref name="args"/> and <paramref name="environment"/> applied, as a run applies them.</summary>
    private static (CommandLine Command, DistributedApplicationBuilder Builder) Parse(string[] args, params (string Name, string Value)[] environment)
    {
        var builder = new DistributedApplicationBuilder(args, AppHostOptions.ForCheckout(), environment.ToDictionary(e => e.Name, e => e.Value));
        AppModel.AddResources(builder);
        var command = CommandLine.Apply(builder.Args, builder.Configuration, builder.Resources, builder.Options);
        return (command, builder);
    }

    private static int Port(DistributedApplicationBuilder builder, string name) =>
        builder.Resources.Endpoints().Single(r => r.Name == name).Port;

    [Theory]
    [InlineData("20261124120000_credits.sql", "", "20261124120000", "credits")]
    [InlineData("0003_pgmq_api.sql", "local_", "local_0003", "pgmq_api")]
    [InlineData("seed.sql", "", "seed", "seed")]
    public void Migration_versions_are_read_as_the_Supabase_CLI_reads_them(string file, string prefix, string version, string name)
    {
        Assert.Equal((version, name), MigrationRunner.ParseFileName(file, prefix));
    }
}
