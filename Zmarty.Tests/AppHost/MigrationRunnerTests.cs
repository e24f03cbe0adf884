using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Npgsql;
using Zmarty.AppHost;
using Zmarty.Migrations;
using Zmarty.Testing;
using Zmarty.Tests.Startup;

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
        await (await StartAsync(data)).DisposeAsync();

        // The second file inserts a row under a primary key: applied twice, the start would fail.
        await using var second = await StartAsync(data);

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

        Assert.StartsWith("Migration supabase/chat/migrations/20260103000000_broken.sql failed on supabase-a at line 3: 42601",
            error.Message, StringComparison.Ordinal);
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

        await using var chat = new NpgsqlConnection(app.GetConnectionString("chat"));
        await chat.OpenAsync();
        await using var tables = new NpgsqlCommand(
            "select count(*) filter (where relname = 'first_table'), count(*) filter (where relname = 'half_done') from pg_class", chat);
        await using var reader = await tables.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal((1L, 0L), (reader.GetInt64(0), reader.GetInt64(1)));
    }

    [Fact]
    public async Task Requirements_that_are_not_met_stop_the_run_before_any_migration_of_the_project()
    {
        Write("trading/requirements.sql", """
            select 1;
            do $$ begin raise exception 'no pgmq here' using errcode = '0A000', hint = 'Enable it.'; end $$;
            """);
        var data = NewDataDirectory();

        var error = await Assert.ThrowsAsync<AppHostException>(() => StartAsync(data));

        const string expected = "supabase-b does not have what the migrations need (supabase/trading/requirements.sql at line 2): " +
            "0A000: no pgmq here Enable it. Nothing was applied.";
        Assert.Equal(expected, error.Message[..Math.Min(expected.Length, error.Message.Length)]);
    }

    [Fact]
    public async Task B_s_real_requirements_refuse_a_server_without_pgmq_before_anything_is_applied()
    {
        await using var app = await StartAsync(NewDataDirectory());
        var bare = await NewDatabaseAsync(app.GetConnectionString("trading")!, "no_pgmq");

        var error = await Assert.ThrowsAsync<MigrationException>(() => MigrationRunner.ApplyAsync(
            bare, "bare", SupabaseLayout.Folders(Checkout.Root, SupabaseLayout.MigrationsOf("trading"), emulation: false),
            Checkout.Root, CancellationToken.None));

        // Debian's PostgreSQL has no pgmq package: the check says so before the first migration would enable it.
        Assert.Contains("(supabase/trading/requirements.sql at line", error.Message, StringComparison.Ordinal);
        Assert.Contains("pgmq 1.5.0 or later is not available on this server", error.Message, StringComparison.Ordinal);
        await using var connection = new NpgsqlConnection(bare);
        await connection.OpenAsync();
        await using var history = new NpgsqlCommand("select count(*) from supabase_migrations.schema_migrations", connection);
        Assert.Equal(0L, await history.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Runs_that_start_together_take_turns_and_the_later_one_finds_everything_applied()
    {
        await using var app = await StartAsync(NewDataDirectory());
        var database = await NewDatabaseAsync(app.GetConnectionString("chat")!, "raced");
        // Slow enough that both runs read the history before either commits, were they not to take turns.
        Write("raced/migrations/20260101000000_slow.sql", "select pg_sleep(1); create table raced (id int primary key);");
        MigrationRunner.Folder[] folders = [new(Path.Combine(_root, "supabase/raced/migrations"))];

        var runs = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ =>
            MigrationRunner.ApplyAsync(database, "raced", folders, _root, CancellationToken.None)));

        Assert.Equal([1, 0, 0], runs.Select(r => r.Applied.Count).Order().Reverse());
        Assert.Equal([0, 1, 1], runs.Select(r => r.AlreadyApplied).Order());
    }

    [Fact]
    public async Task The_api_s_migrate_verb_brings_a_database_up_to_date_and_a_second_run_applies_nothing()
    {
        await using var app = await StartAsync(NewDataDirectory());
        var database = await NewDatabaseAsync(app.GetConnectionString("chat")!, "deployed");
        var environment = new Dictionary<string, string>
        {
            ["Migrate__ConnectionStrings__chat"] = database,
            ["Migrate__Emulation"] = "true",
            ["Migrate__Root"] = _root,
        };

        var first = await Command.RunAsync("dotnet", [ServiceProcess.AssemblyPath("Zmarty.Api"), "migrate"], environment: environment);
        var second = await Command.RunAsync("dotnet", [ServiceProcess.AssemblyPath("Zmarty.Api"), "migrate"], environment: environment);

        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Contains("file(s) applied now", first.Output, StringComparison.Ordinal);
        Assert.Contains("applied supabase/chat/migrations/20260102000000_second.sql", first.Output, StringComparison.Ordinal);
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Contains(": 0 file(s) applied now, 3 applied before", second.Output, StringComparison.Ordinal);
        var wrong = await Command.RunAsync("dotnet", [ServiceProcess.AssemblyPath("Zmarty.Api"), "migrate", "--Migrate:Typo=1"],
            environment: environment);
        Assert.Equal(2, wrong.ExitCode);
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
    private async Task<TestSystem> StartAsync(string data)
    {
        var builder = await TestSystem.CreateBuilderAsync($"--Supabase:RepositoryRoot={_root}", $"--Supabase:DataDirectory={data}");
        builder.WithoutProjects();
        // Kept across starts within a test (that is what these tests check); Dispose deletes it.
        return await TestSystem.StartAsync(builder, keepData: true);
    }

    /// <summary>A new, empty database on the server behind <paramref name="connectionString"/>; its connection string.</summary>
    private static async Task<string> NewDatabaseAsync(string connectionString, string name)
    {
        await using (var server = new NpgsqlConnection(connectionString))
        {
            await server.OpenAsync();
            await using var create = new NpgsqlCommand($"create database {name}", server);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(connectionString) { Database = name }.ConnectionString;
    }

    private void Write(string relativePath, string sql)
    {
        var path = Path.Combine(_root, "supabase", relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, sql);
    }

    private static string Slashes(string path) => path.Replace('\\', '/');
}
