using Zmarty.AppHost.Commands;
using Zmarty.Migrations;

namespace Zmarty.Tests.Migrations;

/// <summary>The migrate program's settings: each mistake named before anything connects.</summary>
public sealed class MigrateOptionsTests
{
    private static readonly string s_root = AppHostAssembly.FindRepositoryRoot();

    [Fact]
    public void The_settings_of_the_one_machine_deployment_are_accepted()
    {
        var options = new MigrateOptions
        {
            ConnectionString = "Host=supabase-a;Username=postgres;Password=x",
            Migrations = "supabase/chat/migrations",
            Emulation = true,
            RolePasswords = { ["zmarty_api"] = "secret" },
            Root = s_root,
        };

        Assert.True(new MigrateOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void A_missing_connection_an_unknown_folder_and_an_empty_role_password_are_each_named()
    {
        var options = new MigrateOptions
        {
            Migrations = "supabase/chats/migrations",
            RolePasswords = { ["zmarty_worker"] = " " },
            Root = s_root,
            WaitSeconds = 601,
        };

        var failures = new MigrateOptionsValidator().Validate(null, options).Failures!.ToList();

        Assert.Collection(failures,
            f => Assert.StartsWith("Migrate:ConnectionString is not set", f, StringComparison.Ordinal),
            f => Assert.StartsWith("Migrate:Migrations: there is no folder supabase/chats/migrations", f, StringComparison.Ordinal),
            f => Assert.StartsWith("Migrate:WaitSeconds is 601", f, StringComparison.Ordinal),
            f => Assert.StartsWith("Migrate:RolePasswords:zmarty_worker is empty", f, StringComparison.Ordinal));
    }

    [Fact]
    public void The_emulation_comes_first_and_only_when_asked_for()
    {
        Assert.Equal(
            [Path.Combine(s_root, "supabase/local"), Path.Combine(s_root, "supabase/trading/migrations")],
            SupabaseLayout.Folders(s_root, "supabase/trading/migrations", emulation: true).Select(f => f.Path));
        Assert.Equal("local_", SupabaseLayout.Folders(s_root, "supabase/trading/migrations", emulation: true)[0].VersionPrefix);
        Assert.Equal(
            [Path.Combine(s_root, "supabase/trading/migrations")],
            SupabaseLayout.Folders(s_root, "supabase/trading/migrations", emulation: false).Select(f => f.Path));
    }
}
