using Npgsql;

namespace Zmarty.Tests.Database;

/// <summary>
/// Every privilege anon and authenticated hold in A and B, compared with the reviewed list below.
/// A grant someone adds (or a Supabase default that reaches a new object) fails this test until the
/// list, and docs/database.md, say it is meant.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class PrivilegeInventoryTests(DatabaseFixture db)
{
    /// <summary>
    /// One line per role and object: database and schema privileges, then, in every schema the
    /// role may use, each relation's privileges, column privileges the table-level ones do not
    /// already give, and executable functions. Objects an extension owns (pgcrypto, real pgmq) are
    /// the extension's and left out.
    /// </summary>
    private const string InventorySql = """
        with roles (role) as (values ('anon'), ('authenticated')),
        schemas as (
          select n.oid, n.nspname from pg_namespace n
          where n.nspname !~ '^pg_' and n.nspname <> 'information_schema'
        ),
        extension_members as (select d.classid, d.objid from pg_depend d where d.deptype = 'e'),
        lines (role, line) as (
          select r.role, format('database %s', p.privilege)
          from roles r, unnest(array['CONNECT', 'TEMPORARY', 'CREATE']) p (privilege)
          where has_database_privilege(r.role, current_database(), p.privilege)
          union all
          select r.role, format('schema %s %s', s.nspname, p.privilege)
          from roles r, schemas s, unnest(array['USAGE', 'CREATE']) p (privilege)
          where has_schema_privilege(r.role, s.oid, p.privilege)
          union all
          select r.role, format('%s %s.%s %s',
                   case c.relkind when 'S' then 'sequence' when 'v' then 'view' else 'table' end,
                   s.nspname, c.relname, string_agg(p.privilege, ', ' order by p.ord))
          from roles r
          join schemas s on has_schema_privilege(r.role, s.oid, 'USAGE')
          join pg_class c on c.relnamespace = s.oid and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
          cross join lateral unnest(case when c.relkind = 'S' then array['USAGE', 'SELECT', 'UPDATE']
                                    else array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'] end)
            with ordinality p (privilege, ord)
          where not exists (select 1 from extension_members e where e.classid = 'pg_class'::regclass and e.objid = c.oid)
            and case when c.relkind = 'S' then has_sequence_privilege(r.role, c.oid, p.privilege)
                     else has_table_privilege(r.role, c.oid, p.privilege) end
          group by r.role, s.nspname, c.relname, c.relkind
          union all
          select r.role, format('column %s.%s %s (%s)', s.nspname, c.relname, p.privilege,
                   string_agg(a.attname, ', ' order by a.attnum))
          from roles r
          join schemas s on has_schema_privilege(r.role, s.oid, 'USAGE')
          join pg_class c on c.relnamespace = s.oid and c.relkind in ('r', 'p', 'v', 'm', 'f')
          join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
          cross join unnest(array['SELECT', 'INSERT', 'UPDATE', 'REFERENCES']) p (privilege)
          where not has_table_privilege(r.role, c.oid, p.privilege)
            and has_column_privilege(r.role, c.oid, a.attnum, p.privilege)
          group by r.role, s.nspname, c.relname, p.privilege
          union all
          select r.role, format('function %s.%s(%s)', s.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
          from roles r
          join schemas s on has_schema_privilege(r.role, s.oid, 'USAGE')
          join pg_proc p on p.pronamespace = s.oid
          where not exists (select 1 from extension_members e where e.classid = 'pg_proc'::regclass and e.objid = p.oid)
            and has_function_privilege(r.role, p.oid, 'EXECUTE')
        )
        select role || ' ' || line from lines
        """;

    /// <summary>
    /// What every Supabase project gives both roles in every database: connecting, temporary
    /// tables, the schemas PostgREST and the auth helpers live in, and the helpers RLS calls.
    /// </summary>
    private static readonly string[] SupabaseBaseline =
    [
        .. new[] { "anon", "authenticated" }.SelectMany(role => new[]
        {
            $"{role} database CONNECT",
            $"{role} database TEMPORARY",
            $"{role} schema auth USAGE",
            $"{role} schema extensions USAGE",
            $"{role} schema public USAGE",
            $"{role} function auth.jwt()",
            $"{role} function auth.role()",
            $"{role} function auth.uid()",
        }),
    ];

    /// <summary>A: users read their own rows (RLS) and manage their symbols; anon gets nothing more.</summary>
    private static readonly string[] ChatGrants =
    [
        "authenticated table public.user_profiles SELECT",
        "authenticated column public.user_profiles UPDATE (full_name)",
        "authenticated table public.user_symbols SELECT, DELETE",
        "authenticated column public.user_symbols INSERT (user_id, symbol, timeframe, strategy, active)",
        "authenticated column public.user_symbols UPDATE (user_id, symbol, timeframe, strategy, active)",
        "authenticated table public.credit_accounts SELECT",
        "authenticated table public.credits_ledger SELECT",
        "authenticated table public.credit_holds SELECT",
        "authenticated view public.credit_balance SELECT",
    ];

    [Fact]
    public Task In_A_anon_and_authenticated_hold_exactly_the_reviewed_privileges() =>
        AssertInventoryAsync(db.Chat, [.. SupabaseBaseline, .. ChatGrants]);

    [Fact]
    public Task In_B_anon_and_authenticated_hold_nothing_beyond_the_supabase_baseline() =>
        AssertInventoryAsync(db.Trading, SupabaseBaseline);

    private static async Task AssertInventoryAsync(NpgsqlDataSource source, IEnumerable<string> expected)
    {
        var held = await Sql.ColumnAsync<string>(source, InventorySql);
        var unexpected = held.Except(expected).Order(StringComparer.Ordinal).ToList();
        var missing = expected.Except(held).Order(StringComparer.Ordinal).ToList();
        Assert.True(unexpected.Count == 0 && missing.Count == 0,
            $"held but not in the reviewed list:\n  {string.Join("\n  ", unexpected)}\n" +
            $"in the list but not held:\n  {string.Join("\n  ", missing)}");
        Assert.Equal(held.Count, held.Distinct().Count());
    }
}
