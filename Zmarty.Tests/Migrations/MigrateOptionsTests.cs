using Zmarty.AppHost.Commands;
using Zmarty.Migrations;

namespace Zmarty.Tests.Migrations;

/// <summary>The migrate verb's settings: each mistake named before anything connects.</summary>
public sealed class MigrateOptionsTests
{
    private static readonly string s_root = AppHostAssembly.FindRepositoryRoot();

    [Fact]
    public void The_settings_of_the_one_machine_deployment_are_accepted()
    {
        var options = new MigrateOptions
        {
            ConnectionStrings = { ["chat"] = "Host=supabase-a;Username=postgres;Password=x", ["trading"] = "Host=supabase-b" },
            Emulation = true,
            RolePasswords = { ["zmarty_api"] = "secret" },
            Root = s_root,
        };

        Assert.True(new MigrateOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void No_connection_an_unknown_project_and_a_wrong_root_are_each_named_and_a_blank_role_password_is_none()
    {
        var options = new MigrateOptions
        {
            ConnectionStrings = { ["chats"] = " " },
            RolePasswords = { ["zmarty_worker"] = " " },
            Root = s_root,
            WaitSeconds = 601,
            LockWaitSeconds = -1,
        };

        var failures = new MigrateOptionsValidator().Validate(null, options).Failures!.ToList();

        Assert.Collection(failures,
            f => Assert.StartsWith("No Migrate:ConnectionStrings:chat or :trading is set", f, StringComparison.Ordinal),
            f => Assert.StartsWith("Migrate:ConnectionStrings:chats names no project", f, StringComparison.Ordinal),
            f => Assert.StartsWith("Migrate:WaitSeconds is 601", f, StringComparison.Ordinal),
            f => Assert.StartsWith("Migrate:LockWaitSeconds is -1", f, StringComparison.Ordinal));

        var elsewhere = new MigrateOptions { ConnectionStrings = { ["trading"] = "Host=b" }, Root = Path.GetTempPath() };
        Assert.StartsWith("Migrate:Root: there is no folder supabase/trading/migrations",
            Assert.Single(new MigrateOptionsValidator().Validate(null, elsewhere).Failures!), StringComparison.Ordinal);
    }

    [Fact]
    public void The_emulation_comes_first_and_only_when_asked_for_and_a_project_is_checked_against_its_requirements()
    {
        Assert.Equal(Path.Combine(s_root, "supabase/trading/requirements.sql"),
            SupabaseLayout.Folders(s_root, "supabase/trading/migrations", emulation: true)[1].Requirements);
        Assert.True(File.Exists(SupabaseLayout.Folders(s_root, "supabase/trading/migrations", emulation: false)[0].Requirements));
        Assert.Equal(
            [Path.Combine(s_root, "supabase/local"), Path.Combine(s_root, "supabase/trading/migrations")],
            SupabaseLayout.Folders(s_root, "supabase/trading/migrations", emulation: true).Select(f => f.Path));
        Assert.Equal("local_", SupabaseLayout.Folders(s_root, "supabase/trading/migrations", emulation: true)[0].VersionPrefix);
        Assert.Equal(
            [Path.Combine(s_root, "supabase/trading/migrations")],
            SupabaseLayout.Folders(s_root, "supabase/trading/migrations", emulation: false).Select(f => f.Path));
    }

    [Theory]
    [InlineData("migrate", "")]
    [InlineData("migrate --Migrate:WaitSeconds=5", "--Migrate:WaitSeconds=5")]
    [InlineData("/app/zmarty-service migrate", "")]
    public void The_api_s_migrate_verb_is_found_with_or_without_the_program_s_own_path_before_it(string args, string rest) =>
        Assert.Equal(Words(rest), MigrateProgram.Arguments(Words(args)));

    [Theory]
    [InlineData("")]
    [InlineData("reconcile")]
    [InlineData("/usr/bin/other migrate")]
    public void Other_arguments_are_not_the_migrate_verb(string args) => Assert.Null(MigrateProgram.Arguments(Words(args)));

    private static string[] Words(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
