-- Supabase B (trading): the ops functions work for the service role as they do for pg_cron, the
-- service role can create and drop queues, a queue left half-dropped no longer breaks pruning or
-- metrics, and a watcher remembers which change of A's user_symbols it mirrors.

-- The version of the user_symbols change (the "version" of A's outbox payload) this row mirrors.
-- The receiver applies a delivery only when its version is greater (docs/database.md, "Outbox").
alter table public.watchers add column source_version bigint;

-- pg_cron runs the jobs as postgres; service_role (the backend) calls the same functions and must
-- get the same result, so they run with their owner's rights. Pruning cron.job_run_details needs
-- rights on schema cron that service_role has neither here nor on Supabase.
alter function ops.enqueue_ingestion() security definer;
alter function ops.enqueue_winrate_recompute(integer) security definer;

-- The queues in pgmq.meta whose tables exist. pgmq.drop_queue given a name that differs in case
-- from the one pgmq.create was given drops the tables but leaves the meta row (real pgmq does the
-- same), after which pgmq.metrics_all() fails; everything here iterates this list instead.
create function ops.live_queues()
returns setof text
language sql
set search_path = ''
as $$
  select m.queue_name::text
  from pgmq.meta m
  where to_regclass(format('pgmq.%I', pgmq.format_table_name(m.queue_name, 'q'))) is not null
    and to_regclass(format('pgmq.%I', pgmq.format_table_name(m.queue_name, 'a'))) is not null
  order by m.queue_name;
$$;

-- pgmq.metrics_all() without the queues whose tables are gone: what the AdminUi and /healthz read.
create function ops.queue_metrics()
returns setof pgmq.metrics_result
language sql
security definer
set search_path = ''
as $$
  select m.* from ops.live_queues() q cross join lateral pgmq.metrics(q) m;
$$;

-- Lets service_role use one queue's tables (metrics read the msg_id sequence). Explicit, because
-- the default privileges Supabase sets in schema pgmq are not ours to rely on.
create function ops.grant_queue(p_queue_name text)
returns void
language plpgsql
set search_path = ''
as $$
begin
  execute format('grant select, insert, update, delete on pgmq.%I, pgmq.%I to service_role',
    pgmq.format_table_name(p_queue_name, 'q'), pgmq.format_table_name(p_queue_name, 'a'));
  execute format('grant select on sequence pgmq.%I to service_role',
    pgmq.format_table_name(p_queue_name, 'q') || '_msg_id_seq');
end;
$$;

-- pgmq.create must run as the owner of the pgmq objects (on Supabase it also adds the tables to
-- the extension), so the service role creates and drops queues through these.
create function ops.create_queue(p_queue_name text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform pgmq.create(p_queue_name);
  perform ops.grant_queue(p_queue_name);
end;
$$;

create function ops.drop_queue(p_queue_name text)
returns boolean
language sql
security definer
set search_path = ''
as $$
  select pgmq.drop_queue(p_queue_name);
$$;

-- Same targets and result as before; archives are found through ops.live_queues().
create or replace function ops.prune()
returns table (target text, deleted bigint)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_keep interval;
  v_count bigint;
  v_queue text;
begin
  select r.keep into v_keep from ops.retention r where r.target = 'public.indicators';
  delete from public.indicators i where i.at < now() - v_keep;
  get diagnostics v_count = row_count;
  target := 'public.indicators'; deleted := v_count; return next;

  select r.keep into v_keep from ops.retention r where r.target = 'ops.error_log';
  delete from ops.error_log e where e.at < now() - v_keep;
  get diagnostics v_count = row_count;
  target := 'ops.error_log'; deleted := v_count; return next;

  select r.keep into v_keep from ops.retention r where r.target = 'ops.job_runs';
  delete from ops.job_runs j where j.started_at < now() - v_keep;
  get diagnostics v_count = row_count;
  target := 'ops.job_runs'; deleted := v_count; return next;

  -- pg_cron may be missing (a server without it); its history is then simply not there to prune.
  if to_regclass('cron.job_run_details') is not null then
    select r.keep into v_keep from ops.retention r where r.target = 'cron.job_run_details';
    execute 'delete from cron.job_run_details where end_time < now() - $1' using v_keep;
    get diagnostics v_count = row_count;
    target := 'cron.job_run_details'; deleted := v_count; return next;
  end if;

  select r.keep into v_keep from ops.retention r where r.target = 'pgmq.archive';
  v_count := 0;
  for v_queue in select q from ops.live_queues() q loop
    execute format('delete from pgmq.%I where archived_at < now() - $1', pgmq.format_table_name(v_queue, 'a'))
      using v_keep;
    get diagnostics deleted = row_count;
    v_count := v_count + deleted;
  end loop;
  target := 'pgmq.archive'; deleted := v_count; return next;
end;
$$;

revoke execute on function
  ops.live_queues(), ops.grant_queue(text), ops.queue_metrics(), ops.create_queue(text), ops.drop_queue(text), ops.prune()
  from public;
grant execute on function
  ops.live_queues(), ops.queue_metrics(), ops.create_queue(text), ops.drop_queue(text), ops.prune()
  to service_role;

-- The service role may use every queue, as docs/database.md says: locally supabase/local grants
-- this; on Supabase the pgmq schema may belong to another role, in which case the project's own
-- grants apply and this says so instead of failing the migration.
do $$
begin
  grant usage on schema pgmq to service_role;
  perform ops.grant_queue(q) from ops.live_queues() q;
exception
  when insufficient_privilege then
    raise notice 'could not grant the pgmq queues to service_role (%); grant them as the owner of schema pgmq', sqlerrm;
end
$$;
