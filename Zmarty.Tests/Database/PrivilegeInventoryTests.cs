using Npgsql;

namespace Zmarty.Tests.Database;

/// <summary>
/// Every privilege anon and authenticated (Supabase's API roles) and the three service roles (the
/// Api, the Worker, the AdminUi) hold in A and B, compared with the reviewed list below.
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
        with roles (role) as (values ('anon'), ('authenticated'), ('zmarty_api'), ('zmarty_worker'), ('zmarty_admin')),
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
        "authenticated table public.conversations SELECT, DELETE",
        "authenticated table public.conversation_messages SELECT, DELETE",
    ];

    /// <summary>What every role holds through PUBLIC in any PostgreSQL database.</summary>
    private static readonly string[] ServiceBaseline =
    [
        .. new[] { "zmarty_api", "zmarty_worker", "zmarty_admin" }.SelectMany(role => new[]
        {
            $"{role} database CONNECT",
            $"{role} database TEMPORARY",
            $"{role} schema public USAGE",
        }),
    ];

    /// <summary>A: what each service does there (migration service_roles.sql, docs/database.md).</summary>
    private static readonly string[] ChatServiceGrants =
    [
        "zmarty_api function public.chat_begin(p_user_id uuid, p_symbols text[], p_expected_tier text, " +
            "p_expected_max_tokens integer, p_expected_requests_per_minute integer, p_expected_selected integer, " +
            "p_hold_amount integer, p_hold_request_id text, p_hold_metadata jsonb, p_idempotency_key text, " +
            "p_request_hash text, p_run_id text, p_pending_expiry interval, p_conversation_id uuid, p_history_tokens integer)",
        "zmarty_api function public.chat_prune(p_requests_older_than interval, p_audio_older_than interval)",
        "zmarty_api function public.chat_settle(p_request_id text, p_amount integer, p_provider text, p_units jsonb, " +
            "p_metadata jsonb, p_idempotency_key text, p_run_id text, p_response jsonb, p_conversation_id uuid, p_title text, " +
            "p_question text, p_question_tokens integer, p_answer text, p_answer_tokens integer, p_partial boolean)",
        "zmarty_api function public.conversations_prune(p_older_than interval)",
        "zmarty_api table public.conversations SELECT, INSERT, DELETE",
        "zmarty_api column public.conversations UPDATE (title, updated_at, archived)",
        "zmarty_api table public.conversation_messages SELECT, INSERT, DELETE",
        "zmarty_api function public.credits_hold(p_user_id uuid, p_amount integer, p_request_id text, p_metadata jsonb)",
        "zmarty_api function public.credits_release(p_request_id text)",
        "zmarty_api function public.credits_release_expired(p_older_than interval)",
        "zmarty_api function public.credits_settle(" +
            "p_request_id text, p_amount integer, p_provider text, p_units jsonb, p_reason text, p_metadata jsonb)",
        "zmarty_api table public.chat_audio SELECT, INSERT",
        "zmarty_api table public.chat_requests SELECT, INSERT, UPDATE",
        "zmarty_api table public.credit_accounts SELECT",
        "zmarty_api table public.credits_ledger SELECT",
        "zmarty_api table public.user_profiles SELECT",
        "zmarty_api table public.user_symbols SELECT, INSERT, DELETE",
        "zmarty_api function public.user_context(p_user_id uuid)",
        "zmarty_api column public.user_symbols UPDATE (active)",
        "zmarty_api function public.tier_symbol_limits(p_tier text, OUT active_limit integer, OUT total_limit integer)",
        "zmarty_api view public.credit_balance SELECT",
        "zmarty_worker function public.user_symbols_outbox_key(p_payload jsonb)",
        "zmarty_worker function public.user_symbols_outbox_moved_from(p_payload jsonb)",
        "zmarty_worker function public.user_symbols_outbox_row_key(p_row jsonb)",
        "zmarty_worker table public.user_symbols_outbox SELECT, UPDATE, DELETE",
        "zmarty_admin table public.credits_ledger SELECT",
        "zmarty_admin table public.user_symbols_outbox SELECT",
    ];

    /// <summary>The local pgmq's functions: executable by whoever may use the schema, as the extension's are.</summary>
    private static readonly string[] PgmqFunctions =
    [
        "pgmq._create_queue(queue_name text, unlogged boolean)",
        "pgmq.acquire_queue_lock(queue_name text)",
        "pgmq.archive(queue_name text, msg_id bigint)",
        "pgmq.archive(queue_name text, msg_ids bigint[])",
        "pgmq.create(queue_name text)",
        "pgmq.create_non_partitioned(queue_name text)",
        "pgmq.create_partitioned(queue_name text, partition_interval text, retention_interval text)",
        "pgmq.create_unlogged(queue_name text)",
        "pgmq.delete(queue_name text, msg_id bigint)",
        "pgmq.delete(queue_name text, msg_ids bigint[])",
        "pgmq.drop_queue(queue_name text)",
        "pgmq.drop_queue(queue_name text, partitioned boolean)",
        "pgmq.format_table_name(queue_name text, prefix text)",
        "pgmq.list_queues()",
        "pgmq.metrics(queue_name text)",
        "pgmq.metrics_all()",
        "pgmq.pop(queue_name text)",
        "pgmq.purge_queue(queue_name text)",
        "pgmq.read(queue_name text, vt integer, qty integer, conditional jsonb)",
        "pgmq.read_with_poll(" +
            "queue_name text, vt integer, qty integer, max_poll_seconds integer, poll_interval_ms integer, conditional jsonb)",
        "pgmq.send(queue_name text, msg jsonb)",
        "pgmq.send(queue_name text, msg jsonb, delay integer)",
        "pgmq.send(queue_name text, msg jsonb, delay timestamp with time zone)",
        "pgmq.send(queue_name text, msg jsonb, headers jsonb)",
        "pgmq.send(queue_name text, msg jsonb, headers jsonb, delay integer)",
        "pgmq.send(queue_name text, msg jsonb, headers jsonb, delay timestamp with time zone)",
        "pgmq.send_batch(queue_name text, msgs jsonb[])",
        "pgmq.send_batch(queue_name text, msgs jsonb[], delay integer)",
        "pgmq.send_batch(queue_name text, msgs jsonb[], delay timestamp with time zone)",
        "pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[])",
        "pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[], delay integer)",
        "pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[], delay timestamp with time zone)",
        "pgmq.set_vt(queue_name text, msg_id bigint, vt integer)",
        "pgmq.validate_queue_name(queue_name text)",
    ];

    /// <summary>B: what each service does there (migration service_roles.sql, docs/database.md).</summary>
    private static readonly string[] TradingServiceGrants =
    [
        .. new[] { "zmarty_api", "zmarty_worker", "zmarty_admin" }.SelectMany(role => new[]
        {
            $"{role} schema ops USAGE",
            $"{role} sequence ops.error_log_id_seq USAGE",
        }),
        .. new[] { "zmarty_api", "zmarty_worker" }.SelectMany(role => PgmqFunctions.Select(f => $"{role} function {f}")),
        "zmarty_api function ops.enqueue_pair_ingestion(p_symbol text, p_timeframe text, p_user_id uuid, p_fresh interval)",
        "zmarty_api function ops.queue_metrics()",
        "zmarty_api schema pgmq USAGE",
        "zmarty_api sequence public.watchers_id_seq USAGE",
        "zmarty_api table ops.error_log INSERT",
        "zmarty_api table pgmq.meta SELECT",
        "zmarty_api table pgmq.q_ingest_indicators SELECT, INSERT",
        "zmarty_api table ops.risk_grid_status SELECT",
        "zmarty_api table ops.source_status SELECT",
        "zmarty_api table public.indicators SELECT",
        "zmarty_api table public.risk_metric SELECT",
        "zmarty_api table public.signals SELECT",
        "zmarty_api table public.watchers SELECT, INSERT, UPDATE",
        "zmarty_api table public.win_rate SELECT",
        "zmarty_worker schema pgmq USAGE",
        "zmarty_worker sequence ops.job_runs_id_seq USAGE",
        .. new[] { "compute_signals", "compute_winrate", "ingest_indicators" }.SelectMany(queue => new[]
        {
            $"zmarty_worker sequence pgmq.q_{queue}_msg_id_seq SELECT",
            $"zmarty_worker table pgmq.a_{queue} SELECT, INSERT, UPDATE, DELETE",
            $"zmarty_worker table pgmq.q_{queue} SELECT, INSERT, UPDATE, DELETE",
        }),
        .. new[] { "indicators", "liq_clusters", "risk_metric", "signals", "win_rate" }
            .Select(table => $"zmarty_worker sequence public.{table}_id_seq USAGE"),
        "zmarty_worker function ops.clear_provider_no_data(p_symbol text, p_timeframe text)",
        "zmarty_worker function ops.pause_provider(p_provider text, p_for interval)",
        "zmarty_worker function ops.record_provider_no_data(p_symbol text, p_timeframe text)",
        "zmarty_worker function ops.spend_provider_call(p_provider text, p_budget bigint)",
        "zmarty_worker function ops.take_provider_slot(p_provider text, p_permits integer, p_window interval, p_budget bigint)",
        "zmarty_worker table ops.error_log INSERT",
        "zmarty_worker table ops.job_runs SELECT, INSERT",
        "zmarty_worker table ops.risk_grid_status SELECT, INSERT, UPDATE",
        "zmarty_worker table ops.source_status SELECT, INSERT, UPDATE",
        "zmarty_worker table pgmq.meta SELECT",
        "zmarty_worker table public.candles SELECT, INSERT, UPDATE",
        "zmarty_worker table public.indicators SELECT, INSERT, UPDATE",
        "zmarty_worker table public.liq_clusters SELECT, INSERT, UPDATE",
        "zmarty_worker table public.market_readings SELECT, INSERT, UPDATE",
        "zmarty_worker table public.risk_metric SELECT, INSERT, UPDATE",
        "zmarty_worker table public.signals SELECT, INSERT",
        "zmarty_worker table public.win_rate SELECT, INSERT, UPDATE",
        "zmarty_admin function ops.archive_counts()",
        "zmarty_admin function ops.archived_messages(p_queue_name text, p_limit integer)",
        "zmarty_admin function ops.cron_jobs()",
        "zmarty_admin function ops.cron_run_now(p_jobname text)",
        "zmarty_admin function ops.cron_runs(p_per_job integer)",
        "zmarty_admin function ops.last_closed_bar(p_timeframe text, p_now timestamp with time zone)",
        "zmarty_admin function ops.cron_set_active(p_jobname text, p_active boolean)",
        "zmarty_admin function ops.purge_archived(p_queue_name text, p_msg_ids bigint[])",
        "zmarty_admin function ops.queue_metrics()",
        "zmarty_admin function ops.requeue_archived(p_queue_name text, p_msg_ids bigint[])",
        "zmarty_admin table ops.error_log SELECT, INSERT",
        "zmarty_admin table ops.provider_calls SELECT",
        "zmarty_admin table ops.provider_no_data SELECT",
        "zmarty_admin table ops.source_status SELECT",
        "zmarty_admin table ops.risk_grid_status SELECT",
        "zmarty_admin table public.indicators SELECT",
        "zmarty_admin table public.signals SELECT",
        "zmarty_admin table public.watchers SELECT",
        "zmarty_admin table public.win_rate SELECT",
    ];

    [Fact]
    public Task In_A_every_role_holds_exactly_the_reviewed_privileges() =>
        AssertInventoryAsync(db.Chat, [.. SupabaseBaseline, .. ChatGrants, .. ServiceBaseline, .. ChatServiceGrants]);

    [Fact]
    public Task In_B_the_api_roles_hold_only_the_supabase_baseline_and_the_services_exactly_the_reviewed_privileges() =>
        AssertInventoryAsync(db.Trading, [.. SupabaseBaseline, .. ServiceBaseline, .. TradingServiceGrants]);

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
