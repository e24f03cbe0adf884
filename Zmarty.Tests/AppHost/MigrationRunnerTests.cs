using Npgsql;
using Zmarty.AppHost.Hosting;
using Zmarty.AppHost.Testing;

namespace Zmarty.Tests.AppHost;

/// <summary>The migration runner against real servers, on a small supabase/ folder of the test's own.</summary>
[Collection(AppHostCollection.Name)]
public sealed class MigrationRunnerTests : IDisposable
{
    private readonly List<string> _dataDirectories = [];
    private readonly string _supabase = Path.Combine(Path.GetTempPath(), "zmarty-migrations-" + Guid.NewGuid().ToString("N")[..12]);

    public MigrationRunnerTests()
    {
        Write("local/0001_roles.sql", "create table if not exists local_marker (id int);");
        Write("chat/migrations/20260101000000_first.sql", "create table first_table (id int primary key);");
        Write("chat/migrations/20260102000000_second.sql", """
            create function add_one(x int) returns int language sql as $$ select x + 1 $$;
            insert into first_table values (1);
            """);
        Write("trading/migrations/20260101000000_trading.sql", "create table trading_table (id int);");
    }

    [Fact]
    public async Task A_second_start_on_the_same_data_applies_nothing_twice()
    {
        var options = DatabasesOnly();
        await using (var first = await ZmartyApplication.StartAsync(options))
        {
            Assert.Equal(
                [
                    "supabase/local/0001_roles.sql",
                    "supabase/chat/migrations/20260101000000_first.sql",
                    "supabase/chat/migrations/20260102000000_second.sql",
                    "supabase/local/0001_roles.sql",
                    "supabase/trading/migrations/20260101000000_trading.sql",
                ],
                first.AppliedMigrations.Select(Slashes));
        }

        await using var second = await ZmartyApplication.StartAsync(options);

        Assert.Empty(second.AppliedMigrations);
        await using var chat = new NpgsqlConnection(second.GetConnectionString("chat"));
        await chat.OpenAsync();
        await using var rows = new NpgsqlCommand("select count(*) from first_table", chat);
        Assert.Equal(1L, await rows.ExecuteScalarAsync());
        await using var history = new NpgsqlCommand(
            "select string_agg(version || ':' || name, ',' order by version) from supabase_migrations.schema_migrations", chat);
        Assert.Equal("20260101000000:first,20260102000000:second,local_0001:roles", await history.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_changed_applied_migration_is_refused_with_its_name()
    {
        var options = DatabasesOnly();
        await (await ZmartyApplication.StartAsync(options)).DisposeAsync();
        Write("chat/migrations/20260101000000_first.sql", "create table first_table (id bigint primary key);");

        var error = await Assert.ThrowsAsync<AppHostException>(() => ZmartyApplication.StartAsync(options));

        Assert.Contains("20260101000000_first.sql was changed after it was applied to supabase-a", error.Message, StringComparison.Ordinal);
        Assert.Empty(ProcessProbe.ProcessesUsing(options.DataDirectory));
    }

    [Fact]
    public async Task A_migration_with_a_syntax_error_stops_the_start_with_its_name_and_line()
    {
        Write("chat/migrations/20260103000000_broken.sql", """
            create table fine (id int);

            create tabel broken (id int);
            """);
        var options = DatabasesOnly();

        var error = await Assert.ThrowsAsync<AppHostException>(() => ZmartyApplication.StartAsync(options));

        Assert.StartsWith("Migration supabase/chat/migrations/20260103000000_broken.sql failed on supabase-a at line 3: 42601", error.Message, StringComparison.Ordinal);
        Assert.Contains("syntax error", error.Message, StringComparison.Ordinal);
        Assert.Empty(ProcessProbe.ProcessesUsing(options.DataDirectory));
    }

    [Fact]
    public async Task Earlier_files_stay_applied_when_a_later_one_fails_and_the_failed_one_leaves_nothing()
    {
        Write("chat/migrations/20260103000000_broken.sql", "create table half_done (id int); select 1/0;");
        var options = DatabasesOnly();
        await Assert.ThrowsAsync<AppHostException>(() => ZmartyApplication.StartAsync(options));
        File.Delete(Path.Combine(_supabase, "chat/migrations/20260103000000_broken.sql"));

        await using var app = await ZmartyApplication.StartAsync(options);

        Assert.DoesNotContain(app.AppliedMigrations, m => m.Contains("first", StringComparison.Ordinal));
        await using var chat = new NpgsqlConnection(app.GetConnectionString("chat"));
        await chat.OpenAsync();
        await using var tables = new NpgsqlCommand(
            "select count(*) filter (where relname = 'first_table'), count(*) filter (where relname = 'half_done') from pg_class", chat);
        await using var reader = await tables.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal((1L, 0L), (reader.GetInt64(0), reader.GetInt64(1)));
    }

    [Fact]
    public async Task An_external_database_gets_the_migrations_only_when_asked_and_never_the_local_emulation()
    {
        // A bare server standing in for a real project: nothing of ours applied to it.
        var bare = Path.Combine(_supabase, "bare");
        Directory.CreateDirectory(bare);
        await using var project = await ZmartyTestingBuilder.StartAsync(o =>
        {
            o.StartServices = false;
            o.SupabaseDirectory = bare;
        });
        var external = project.GetConnectionString("chat");

        var withoutFlag = DatabasesOnly();
        withoutFlag.ExternalConnectionStrings["chat"] = external;
        await using (var app = await ZmartyApplication.StartAsync(withoutFlag))
        {
            Assert.DoesNotContain(app.AppliedMigrations, m => m.Contains("/chat/", StringComparison.Ordinal));
        }

        var withFlag = DatabasesOnly();
        withFlag.ExternalConnectionStrings["chat"] = external;
        withFlag.MigrateExternalDatabases = true;
        await using (var app = await ZmartyApplication.StartAsync(withFlag))
        {
            Assert.Equal(
                ["supabase/chat/migrations/20260101000000_first.sql", "supabase/chat/migrations/20260102000000_second.sql"],
                app.AppliedMigrations.Where(m => m.Contains("/chat/", StringComparison.Ordinal)));
        }

        await using var chat = new NpgsqlConnection(external);
        await chat.OpenAsync();
        await using var local = new NpgsqlCommand("select to_regclass('public.local_marker') is null", chat);
        Assert.Equal(true, await local.ExecuteScalarAsync());
    }

    public void Dispose()
    {
        Directory.Delete(_supabase, recursive: true);
        foreach (var data in _dataDirectories.Where(Directory.Exists))
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private AppHostOptions DatabasesOnly()
    {
        var options = ZmartyTestingBuilder.CreateOptions();
        options.StartServices = false;
        options.SupabaseDirectory = _supabase;
        // Kept across starts within a test (that is what these tests check); Dispose deletes it.
        options.DeleteDataOnDispose = false;
        _dataDirectories.Add(options.DataDirectory);
        return options;
    }

    private void Write(string relativePath, string sql)
    {
        var path = Path.Combine(_supabase, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, sql);
    }

    private static string Slashes(string path) => path.Replace('\\', '/');
}
