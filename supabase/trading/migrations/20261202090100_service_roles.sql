-- Supabase B (trading): one role per service, holding only what that service does, so a leaked
-- connection string gives no more than its service needs (docs/database.md lists every grant, and
-- PrivilegeInventoryTests compares them with what the database holds).
--
-- The roles are made without LOGIN: a deployment gives each a password once
-- (alter role zmarty_worker with login password '...'); the local AppHost does that itself. Row
-- level security stays on everywhere: instead of borrowing service_role's BYPASSRLS, each role gets
-- a policy on the tables it uses. Sequences: most ids here are bigserial, so an insert needs USAGE
-- on the table's sequence (candles has a natural key and none).

do $$
declare
  v_role text;
begin
  foreach v_role in array array['zmarty_api', 'zmarty_worker', 'zmarty_admin'] loop
    if not exists (select 1 from pg_roles where rolname = v_role) then
      execute format('create role %I nologin', v_role);
    end if;
  end loop;
end
$$;

grant usage on schema ops to zmarty_api, zmarty_worker, zmarty_admin;

-- Every service writes its warnings and errors to ops.error_log (the error sink).
grant insert on ops.error_log to zmarty_api, zmarty_worker, zmarty_admin;
grant usage on sequence ops.error_log_id_seq to zmarty_api, zmarty_worker, zmarty_admin;
create policy zmarty_services_log_errors on ops.error_log for insert to zmarty_api, zmarty_worker, zmarty_admin with check (true);

-- The Api: the watchers mirror (webhook receiver, reconcile), the chat's context, /healthz.
grant select, insert, update on public.watchers to zmarty_api;
grant usage on sequence public.watchers_id_seq to zmarty_api;
grant select on public.indicators, public.signals, public.win_rate, public.risk_metric to zmarty_api;
grant execute on function ops.queue_metrics() to zmarty_api;
create policy zmarty_api_mirrors_watchers on public.watchers for all to zmarty_api using (true) with check (true);
create policy zmarty_api_reads_indicators on public.indicators for select to zmarty_api using (true);
create policy zmarty_api_reads_signals on public.signals for select to zmarty_api using (true);
create policy zmarty_api_reads_win_rate on public.win_rate for select to zmarty_api using (true);
create policy zmarty_api_reads_risk_metric on public.risk_metric for select to zmarty_api using (true);

-- The Worker: what its consumers read and write, and its job records.
grant select, insert, update on
  public.candles, public.indicators, public.liq_clusters, public.risk_metric, public.win_rate
  to zmarty_worker;
grant select, insert on public.signals to zmarty_worker;
grant usage on sequence
  public.indicators_id_seq, public.liq_clusters_id_seq, public.risk_metric_id_seq, public.win_rate_id_seq, public.signals_id_seq
  to zmarty_worker;
grant select, insert on ops.job_runs to zmarty_worker;
grant usage on sequence ops.job_runs_id_seq to zmarty_worker;
create policy zmarty_worker_writes_candles on public.candles for all to zmarty_worker using (true) with check (true);
create policy zmarty_worker_writes_indicators on public.indicators for all to zmarty_worker using (true) with check (true);
create policy zmarty_worker_writes_liq_clusters on public.liq_clusters for all to zmarty_worker using (true) with check (true);
create policy zmarty_worker_writes_risk_metric on public.risk_metric for all to zmarty_worker using (true) with check (true);
create policy zmarty_worker_writes_win_rate on public.win_rate for all to zmarty_worker using (true) with check (true);
create policy zmarty_worker_writes_signals on public.signals for all to zmarty_worker using (true) with check (true);
create policy zmarty_worker_records_jobs on ops.job_runs for all to zmarty_worker using (true) with check (true);

-- The AdminUi: its pages' reads, and the queue and cron actions through ops' definer functions.
grant select on public.watchers, public.indicators, public.signals, public.win_rate, ops.error_log to zmarty_admin;
grant execute on function
  ops.queue_metrics(), ops.archive_counts(), ops.archived_messages(text, integer),
  ops.requeue_archived(text, bigint[]), ops.purge_archived(text, bigint[]),
  ops.cron_jobs(), ops.cron_runs(integer), ops.cron_run_now(text), ops.cron_set_active(text, boolean)
  to zmarty_admin;
create policy zmarty_admin_reads_watchers on public.watchers for select to zmarty_admin using (true);
create policy zmarty_admin_reads_indicators on public.indicators for select to zmarty_admin using (true);
create policy zmarty_admin_reads_signals on public.signals for select to zmarty_admin using (true);
create policy zmarty_admin_reads_win_rate on public.win_rate for select to zmarty_admin using (true);
create policy zmarty_admin_reads_errors on ops.error_log for select to zmarty_admin using (true);

-- Queues. The Worker consumes every queue (read, set_vt, archive, delete, send to the next stage,
-- metrics), so ops.grant_queue now gives it each queue's tables as it gives service_role; the Api
-- only sends to the ingestion queue and checks what waits there. pgmq's functions are executable by
-- everyone who may use the schema (as the extension's are) and run with the caller's rights, so
-- they reach no table the role was not granted.
create or replace function ops.grant_queue(p_queue_name text)
returns void
language plpgsql
set search_path = ''
as $$
begin
  execute format('grant select, insert, update, delete on pgmq.%I, pgmq.%I to service_role, zmarty_worker',
    pgmq.format_table_name(p_queue_name, 'q'), pgmq.format_table_name(p_queue_name, 'a'));
  execute format('grant select on sequence pgmq.%I to service_role, zmarty_worker',
    pgmq.format_table_name(p_queue_name, 'q') || '_msg_id_seq');
end;
$$;

revoke execute on function ops.grant_queue(text) from public;

-- On Supabase the pgmq schema may belong to another role; then these grants are the project
-- owner's to make, and this says so instead of failing the migration (docs/database.md).
do $$
begin
  grant usage on schema pgmq to zmarty_api, zmarty_worker;
  grant select on pgmq.meta to zmarty_api, zmarty_worker;
  perform ops.grant_queue(q) from ops.live_queues() q;
  grant select, insert on pgmq.q_ingest_indicators to zmarty_api;
exception
  when insufficient_privilege then
    raise notice 'could not grant the pgmq queues to the service roles (%); grant them as the owner of schema pgmq', sqlerrm;
end
$$;
