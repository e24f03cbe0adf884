-- Supabase B (trading): the pgmq queues and the pg_cron schedules.
--
-- On a real Supabase project the pgmq and pg_cron extensions are available and are enabled here.
-- Locally pgmq has no package: the AppHost's supabase/local provides the same API in SQL before
-- this runs. Everything below goes through the pgmq API (pgmq.create, pgmq.send_batch), so it works
-- on either.

do $$
begin
  if exists (select 1 from pg_available_extensions where name = 'pgmq') then
    create extension if not exists pgmq;
  end if;
  if exists (select 1 from pg_available_extensions where name = 'pg_cron') then
    create extension if not exists pg_cron;
  end if;
  if to_regprocedure('pgmq.create(text)') is null then
    raise exception 'pgmq is neither installed nor available'
      using hint = 'enable the pgmq extension (Database > Extensions on Supabase)';
  end if;
end
$$;

-- pgmq.create is idempotent: an existing queue is left as it is.
select pgmq.create('ingest_indicators');
select pgmq.create('compute_signals');
select pgmq.create('compute_winrate');

-- Enqueue ingestion for every distinct active (symbol, timeframe) among the watchers: market data
-- is the same for every user watching a pair, so it is fetched once. A pair that still has a
-- message waiting (the Worker is behind or down) is skipped, so the queue cannot pile up with
-- duplicates every five minutes. Returns how many messages it sent.
create or replace function ops.enqueue_ingestion()
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_msgs jsonb[];
begin
  select array_agg(jsonb_build_object('symbol', w.symbol, 'timeframe', w.timeframe) order by w.symbol, w.timeframe)
  into v_msgs
  from (select distinct symbol, timeframe from public.watchers where active) w
  where not exists (
    select 1 from pgmq.q_ingest_indicators q
    where q.message ->> 'symbol' = w.symbol and q.message ->> 'timeframe' = w.timeframe);

  if v_msgs is null then
    return 0;
  end if;
  perform pgmq.send_batch('ingest_indicators', v_msgs);
  return cardinality(v_msgs);
end;
$$;

-- Enqueue a win-rate recomputation over p_lookback_days for every distinct active (symbol,
-- timeframe), skipping pairs that already have one waiting. Returns how many messages it sent.
create or replace function ops.enqueue_winrate_recompute(p_lookback_days integer default 30)
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_msgs jsonb[];
begin
  if p_lookback_days is null or p_lookback_days <= 0 then
    raise exception 'lookback must be a positive number of days, got %', p_lookback_days using errcode = '22023';
  end if;

  select array_agg(jsonb_build_object('symbol', w.symbol, 'timeframe', w.timeframe, 'lookback_days', p_lookback_days)
                   order by w.symbol, w.timeframe)
  into v_msgs
  from (select distinct symbol, timeframe from public.watchers where active) w
  where not exists (
    select 1 from pgmq.q_compute_winrate q
    where q.message ->> 'symbol' = w.symbol
      and q.message ->> 'timeframe' = w.timeframe
      and (q.message ->> 'lookback_days')::integer = p_lookback_days);

  if v_msgs is null then
    return 0;
  end if;
  perform pgmq.send_batch('compute_winrate', v_msgs);
  return cardinality(v_msgs);
end;
$$;

-- Delete what is older than its retention (ops.retention): indicators, ops rows, pg_cron's run
-- history (which pg_cron never prunes itself) and archived queue messages. One row per target.
create or replace function ops.prune()
returns table (target text, deleted bigint)
language plpgsql
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
  for v_queue in select m.queue_name from pgmq.meta m loop
    execute format('delete from pgmq.%I where archived_at < now() - $1', 'a_' || lower(v_queue)) using v_keep;
    get diagnostics deleted = row_count;
    v_count := v_count + deleted;
  end loop;
  target := 'pgmq.archive'; deleted := v_count; return next;
end;
$$;

revoke execute on function ops.enqueue_ingestion(), ops.enqueue_winrate_recompute(integer), ops.prune()
  from public;
grant execute on function ops.enqueue_ingestion(), ops.enqueue_winrate_recompute(integer), ops.prune()
  to service_role;

-- The schedules. cron.schedule with a job name replaces the job of that name, so this is safe to
-- re-run. The command only calls the function, so the body is tested without waiting for cron.
do $$
begin
  if to_regprocedure('cron.schedule(text, text, text)') is null then
    raise notice 'pg_cron is not installed: no schedules created';
    return;
  end if;
  perform cron.schedule('zmarty-enqueue-ingestion', '*/5 * * * *', 'select ops.enqueue_ingestion()');
  perform cron.schedule('zmarty-recompute-winrates', '0 * * * *', 'select ops.enqueue_winrate_recompute(30)');
  perform cron.schedule('zmarty-prune', '30 3 * * *', 'select * from ops.prune()');
end
$$;
