using Zmarty.AppHost.Commands;
using Zmarty.Migrations;

namespace Zmarty.Tests.Database;

[Collection(DatabaseCollection.Name)]
public sealed class MigrationTests(DatabaseFixture db)
{
    private static string Root => AppHostAssembly.FindRepositoryRoot();

    private static string[] Files(params string[] folder) =>
        [.. Directory.GetFiles(Path.Combine([Root, "supabase", .. folder]), "*.sql")
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal)
            .Cast<string>()];

    [Fact]
    public async Task Every_migration_was_applied_to_the_empty_servers_and_recorded()
    {
        var local = Files("local");
        var chat = Files("chat", "migrations");
        var trading = Files("trading", "migrations");
        Assert.NotEmpty(local);
        Assert.NotEmpty(chat);
        Assert.NotEmpty(trading);

        var chatVersions = await Sql.ColumnAsync<string>(db.Chat,
            "select version from supabase_migrations.schema_migrations order by version");
        var tradingVersions = await Sql.ColumnAsync<string>(db.Trading,
            "select version from supabase_migrations.schema_migrations order by version");
        Assert.Equal(
            [.. chat.Select(f => f.Split('_')[0]), .. local.Select(f => "local_" + f.Split('_')[0])],
            chatVersions);
        Assert.Equal(
            [.. trading.Select(f => f.Split('_')[0]), .. local.Select(f => "local_" + f.Split('_')[0])],
            tradingVersions);
    }

    [Fact]
    public async Task A_second_run_applies_nothing_and_changes_nothing()
    {
        var before = await SchemaFingerprintAsync();
        foreach (var (name, connection) in new[] { ("chat", db.App.GetConnectionString("chat")), ("trading", db.App.GetConnectionString("trading")) })
        {
            var result = await MigrationRunner.ApplyAsync(
                connection, name, SupabaseLayout.Folders(Root, $"supabase/{name}/migrations", emulation: true), Root,
                CancellationToken.None);
            Assert.Empty(result.Applied);
            Assert.Equal(Files("local").Length + Files(name, "migrations").Length, result.AlreadyApplied);
        }

        Assert.Equal(before, await SchemaFingerprintAsync());
    }

    [Fact]
    public async Task The_migration_files_follow_the_supabase_cli_naming()
    {
        foreach (var file in Files("chat", "migrations").Concat(Files("trading", "migrations")))
        {
            Assert.Matches(@"^\d{14}_[a-z0-9_]+\.sql$", file);
        }

        foreach (var file in Files("local"))
        {
            Assert.Matches(@"^\d{4}_[a-z0-9_]+\.sql$", file);
        }

        // Migrations must not depend on the local emulation: none of them creates Supabase's roles or the auth
        // schema (the services' own roles, zmarty_*, are the migrations' to create).
        foreach (var file in Files("chat", "migrations").Select(f => Path.Combine(Root, "supabase", "chat", "migrations", f))
                     .Concat(Files("trading", "migrations").Select(f => Path.Combine(Root, "supabase", "trading", "migrations", f))))
        {
            var sql = await File.ReadAllTextAsync(file);
            Assert.DoesNotMatch(@"(?i)create\s+role\s+(anon|authenticated|service_role|postgres)\b", sql);
            Assert.DoesNotContain("create schema if not exists auth", sql, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("concurrently", sql, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Every_foreign_key_has_an_index_that_starts_with_its_columns()
    {
        // Deleting a referenced row (a user, through the cascades) checks every referencing table;
        // without such an index each check scans it. The review measured 89.8 s for one user.
        const string Unindexed = """
            select format('%s (%s)', c.conrelid::regclass, string_agg(a.attname, ', ' order by k.ord))
            from pg_constraint c
            cross join lateral unnest(c.conkey) with ordinality k (attnum, ord)
            join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum
            where c.contype = 'f'
              and not exists (
                select 1 from pg_index i
                cross join lateral (select (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)] as leading) l
                where i.indrelid = c.conrelid and l.leading @> c.conkey and l.leading <@ c.conkey)
            group by c.oid, c.conrelid
            order by 1
            """;
        Assert.Empty(await Sql.ColumnAsync<string>(db.Chat, Unindexed));
        Assert.Empty(await Sql.ColumnAsync<string>(db.Trading, Unindexed));
        Assert.NotEmpty(await Sql.ColumnAsync<string>(db.Chat, "select conname::text from pg_constraint where contype = 'f'"));
    }

    [Fact]
    public async Task Local_emulation_provides_the_supabase_roles_and_auth_helpers()
    {
        foreach (var source in new[] { db.Chat, db.Trading })
        {
            var roles = await Sql.ColumnAsync<string>(source,
                "select rolname::text from pg_roles where rolname in ('anon', 'authenticated', 'service_role') order by 1");
            Assert.Equal(["anon", "authenticated", "service_role"], roles);
            Assert.True(await Sql.ScalarAsync<bool>(source, "select rolbypassrls from pg_roles where rolname = 'service_role'"));
            Assert.False(await Sql.ScalarAsync<bool>(source, "select rolbypassrls from pg_roles where rolname = 'authenticated'"));
        }

        var user = Guid.NewGuid();
        await Sql.AsRoleAsync(db.Chat, "authenticated", user, async connection =>
        {
            Assert.Equal(user, await Sql.ScalarAsync<Guid>(connection, "select auth.uid()"));
            Assert.Equal("authenticated", await Sql.ScalarAsync<string>(connection, "select auth.role()"));
            Assert.Equal(user.ToString(), await Sql.ScalarAsync<string>(connection, "select auth.jwt() ->> 'sub'"));
        });
        await Sql.AsRoleAsync(db.Chat, "anon", null, async connection =>
        {
            Assert.Equal(DBNull.Value, await Sql.ScalarAsync<object>(connection, "select auth.uid()"));
            Assert.Equal("anon", await Sql.ScalarAsync<string>(connection, "select auth.role()"));
        });
    }

    /// <summary>Tables, columns, functions, policies, queues and cron jobs of both databases, as one string.</summary>
    private async Task<string> SchemaFingerprintAsync()
    {
        const string Objects = """
            select format('col %s.%s.%s %s', table_schema, table_name, column_name, data_type)
            from information_schema.columns
            where table_schema in ('public', 'auth', 'ops', 'pgmq', 'cron')
            union all
            select format('fn %s', p.oid::regprocedure) from pg_proc p
            where p.pronamespace::regnamespace::text in ('public', 'auth', 'ops', 'pgmq')
            union all
            select format('policy %s.%s %s', schemaname, tablename, policyname) from pg_policies
            union all
            select format('queue %s', queue_name) from pgmq.meta
            """;
        const string CronJobs = """
            union all
            select format('cron %s %s %s', jobname, schedule, command) from cron.job
            """;
        var chat = await Sql.ColumnAsync<string>(db.Chat, Objects + " order by 1");
        var trading = await Sql.ColumnAsync<string>(db.Trading, Objects + "\n" + CronJobs + " order by 1");
        Assert.Contains("cron zmarty-prune 30 3 * * * select * from ops.prune()", trading);
        return string.Join('\n', chat) + "\n---\n" + string.Join('\n', trading);
    }
}
