using Npgsql;
using Zmarty.AppHost.Hosting;
using Zmarty.AppHost.Model;
using Zmarty.AppHost.Testing;

namespace Zmarty.Tests.AppHost;

/// <summary>The migration runner against real servers, on a small supabase/ folder of the test's own.</summary>
[Collection(AppHostCollection.Name)]
public sealed class MigrationRunnerTests : IDisposable
{
    private readonly List<string> _dataDirectories = [];

    /// <summary>A checkout of the test's own: only a supabase/ folder, which the model's migration folders point into.</summary>
    private readonly string _root = Path.Combine(Path.GetTempPath(), "zmarty-migrations-" + Guid.NewGuid().ToString("N")[..12]);

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
        var data = NewDataDirectory();
        await using (var first = await StartAsync(data))
        {
            Assert.Equal(
                [
                    "supabase/chat/migrations/20260101000000_first.sql",
                    "supabase/chat/migrations/20260102000000_second.sql",
                    "supabase/local/0001_roles.sql",
                    "supabase/local/0001_roles.sql",
                    "supabase/trading/migrations/20260101000000_trading.sql",
                ],
                // The two databases migrate at once: each in file order, the two interleaved.
                first.AppliedMigrations.Select(Slashes).Order(StringComparer.Ordinal));
        }

        await using var second = await StartAsync(data);

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
        var data = NewDataDirectory();
        await (await StartAsync(data)).DisposeAsync();
        Write("chat/migrations/20260101000000_first.sql", "create table first_table (id bigint primary key);");

        var error = await Assert.ThrowsAsync<AppHostException>(() => StartAsync(data));

        Assert.Contains("20260101000000_first.sql was changed after it was applied to supabase-a", error.Message, StringComparison.Ordinal);
        Assert.Empty(ProcessProbe.ProcessesUsing(data));
    }

    [Fact]
    public async Task A_migration_with_a_syntax_error_stops_the_start_with_its_name_and_line()
    {
        Write("chat/migrations/20260103000000_broken.sql", """
            create table fine (id int);

            create tabel broken (id int);
            """);
        var data = NewDataDirectory();

        var error = await Assert.ThrowsAsync<AppHostException>(() => StartAsync(data));

        Assert.StartsWith("Migration supabase/chat/migrations/20260103000000_broken.sql failed on supabase-a at line 3: 42601", error.Message, StringComparison.Ordinal);
        Assert.Contains("syntax error", error.Message, StringComparison.Ordinal);
        Assert.Empty(ProcessProbe.ProcessesUsing(data));
    }

    [Fact]
    public async Task Earlier_files_stay_applied_when_a_later_one_fails_and_the_failed_one_leaves_nothing()
    {
        Write("chat/migrations/20260103000000_broken.sql", "create table half_done (id int); select 1/0;");
        var data = NewDataDirectory();
        await Assert.ThrowsAsync<AppHostException>(() => StartAsync(data));
        File.Delete(Path.Combine(_root, "supabase/chat/migrations/20260103000000_broken.sql"));

        await using var app = await StartAsync(data);

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
        var bare = Path.Combine(_root, "bare");
        Directory.CreateDirectory(bare);
        await using var project = await ZmartyTestingBuilder.StartAsync(b =>
        {
            b.WithoutProjects();
            b.Options.RepositoryRoot = bare;
        });
        var external = project.GetConnectionString("chat");

        await using (var app = await StartAsync(NewDataDirectory(), b => b.Configuration["ConnectionStrings__chat"] = external))
        {
            Assert.DoesNotContain(app.AppliedMigrations, m => m.Contains("/chat/", StringComparison.Ordinal));
        }

        await using (var app = await StartAsync(NewDataDirectory(), b =>
        {
            b.Configuration["ConnectionStrings__chat"] = external;
            b.Options.MigrateExternalDatabases = true;
        }))
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
        Directory.Delete(_root, recursive: true);
        foreach (var data in _dataDirectories.Where(Directory.Exists))
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private string NewDataDirectory()
    {
        var data = Path.Combine(Path.GetTempPath(), "zmarty-test-" + Guid.NewGuid().ToString("N")[..12]);
        _dataDirectories.Add(data);
        return data;
    }

    /// <summary>The databases alone, on this test's supabase/ folder and <paramref name="data"/>, which outlives the start.</summary>
    private async Task<DistributedApplication> StartAsync(string data, Action<DistributedApplicationBuilder>? change = null)
    {
        var builder = ZmartyTestingBuilder.Create().WithoutProjects();
        builder.Options.RepositoryRoot = _root;
        builder.Options.DataDirectory = data;
        // Kept across starts within a test (that is what these tests check); Dispose deletes it.
        builder.Options.DeleteDataOnDispose = false;
        change?.Invoke(builder);
        var app = builder.Build();
        await app.StartAsync();
        return app;
    }

    private void Write(string relativePath, string sql)
    {
        var path = Path.Combine(_root, "supabase", relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, sql);
    }

    private static string Slashes(string path) => path.Replace('\\', '/');
}
