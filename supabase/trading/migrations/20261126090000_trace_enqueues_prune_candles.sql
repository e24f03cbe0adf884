-- Supabase B (trading): the cron's enqueues start a trace, and candles get a retention.
--
-- Trace context: the Worker continues the trace whose W3C traceparent a message's headers carry
-- (docs/pipeline.md). The cron jobs enqueue in SQL, where no tracer runs, so their messages had
-- none and each stage's trace began at the consumer. Each message now gets a traceparent of its
-- own: a fresh trace id (one trace per job, not one per cron run of thousands) and a parent span id
-- that no exporter ever sends, standing for the enqueue. Sampled, so the Worker records it.
create function ops.new_traceparent()
returns text
language sql
volatile
set search_path = ''
as $$
  select '00-' || replace(gen_random_uuid()::text, '-', '')
      || '-' || left(replace(gen_random_uuid()::text, '-', ''), 16) || '-01';
$$;

-- As before (skip pairs that already have a message waiting), plus the headers.
create or replace function ops.enqueue_ingestion()
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_msgs jsonb[];
  v_headers jsonb[];
begin
  select array_agg(jsonb_build_object('symbol', w.symbol, 'timeframe', w.timeframe) order by w.symbol, w.timeframe),
         array_agg(jsonb_build_object('traceparent', ops.new_traceparent()) order by w.symbol, w.timeframe)
  into v_msgs, v_headers
  from (select distinct symbol, timeframe from public.watchers where active) w
  where not exists (
    select 1 from pgmq.q_ingest_indicators q
    where q.message ->> 'symbol' = w.symbol and q.message ->> 'timeframe' = w.timeframe);

  if v_msgs is null then
    return 0;
  end if;
  perform pgmq.send_batch('ingest_indicators', v_msgs, v_headers);
  return cardinality(v_msgs);
end;
$$;

create or replace function ops.enqueue_winrate_recompute(p_lookback_days integer default 30)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_msgs jsonb[];
  v_headers jsonb[];
begin
  if p_lookback_days is null or p_lookback_days <= 0 then
    raise exception 'lookback must be a positive number of days, got %', p_lookback_days using errcode = '22023';
  end if;

  select array_agg(jsonb_build_object('symbol', w.symbol, 'timeframe', w.timeframe, 'lookback_days', p_lookback_days)
                   order by w.symbol, w.timeframe),
         array_agg(jsonb_build_object('traceparent', ops.new_traceparent()) order by w.symbol, w.timeframe)
  into v_msgs, v_headers
  from (select distinct symbol, timeframe from public.watchers where active) w
  where not exists (
    select 1 from pgmq.q_compute_winrate q
    where q.message ->> 'symbol' = w.symbol
      and q.message ->> 'timeframe' = w.timeframe
      and (q.message ->> 'lookback_days')::integer = p_lookback_days);

  if v_msgs is null then
    return 0;
  end if;
  perform pgmq.send_batch('compute_winrate', v_msgs, v_headers);
  return cardinality(v_msgs);
end;
$$;

revoke execute on function ops.new_traceparent() from public;

-- Candles: every ingestion upserts the last 500 closed bars, so the table grows by one row per
-- pair and bar for as long as a pair is watched. Kept 400 days: longer than the indicators (90
-- days) and the win-rate lookbacks, which read them; change it with an update of ops.retention.
alter table ops.retention drop constraint retention_target_check;
alter table ops.retention add constraint retention_target_check check (target in (
  'public.indicators', 'public.candles', 'ops.error_log', 'ops.job_runs', 'cron.job_run_details', 'pgmq.archive'));
insert into ops.retention (target, keep) values ('public.candles', interval '400 days')
on conflict (target) do nothing;

-- As before, plus candles.
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

  select r.keep into v_keep from ops.retention r where r.target = 'public.candles';
  delete from public.candles c where c.open_time < now() - v_keep;
  get diagnostics v_count = row_count;
  target := 'public.candles'; deleted := v_count; return next;

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
