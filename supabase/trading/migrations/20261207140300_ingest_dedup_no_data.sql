-- Supabase B (trading): an ingestion job costs Cryptometer calls from a budget every user shares, and
-- any user could make B send one: each time a watcher turns active for a pair without fresh data,
-- the receiver enqueued a job, and a pair Cryptometer has no data for never turns fresh. Pausing and
-- resuming such a pair spent a call per cycle. Two rules, kept here where the jobs are enqueued:
-- 1. One ingestion per pair and timeframe within the freshness window: a pair with a job waiting,
--    or whose ingestion began within the window, gets no other (ops.enqueue_pair_ingestion, which
--    the receiver now calls instead of pgmq.send).
-- 2. A pair that keeps answering "no data" backs off: ops.provider_no_data remembers its misses and
--    when to ask again (1 hour after the first, doubling to at most a day); neither the receiver
--    nor the cron enqueues it before then. The Worker records a miss (ops.record_provider_no_data)
--    and forgets them when the pair's candles arrive (ops.clear_provider_no_data).

create table ops.provider_no_data (
  symbol text not null,
  timeframe text not null,
  misses integer not null check (misses > 0),
  retry_after timestamptz not null,
  last_miss_at timestamptz not null default now(),
  primary key (symbol, timeframe)
);
alter table ops.provider_no_data enable row level security;

-- How long a pair that answered "no data" misses times in a row is left alone.
create function ops.no_data_backoff(p_misses integer)
returns interval
language sql
immutable
set search_path = ''
as $$
  select least(interval '1 hour' * power(2, least(greatest(p_misses, 1) - 1, 10)), interval '1 day');
$$;

create function ops.record_provider_no_data(p_symbol text, p_timeframe text)
returns timestamptz
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_retry_after timestamptz;
begin
  if p_symbol is null or p_timeframe is null then
    raise exception 'a symbol and a timeframe are required' using errcode = '22023';
  end if;

  insert into ops.provider_no_data as n (symbol, timeframe, misses, retry_after)
  values (p_symbol, p_timeframe, 1, now() + ops.no_data_backoff(1))
  on conflict (symbol, timeframe) do update
    set misses = n.misses + 1,
        retry_after = now() + ops.no_data_backoff(n.misses + 1),
        last_miss_at = now()
  returning n.retry_after into v_retry_after;
  return v_retry_after;
end;
$$;

create function ops.clear_provider_no_data(p_symbol text, p_timeframe text)
returns boolean
language sql
security definer
set search_path = ''
as $$
  with cleared as (
    delete from ops.provider_no_data n where n.symbol = p_symbol and n.timeframe = p_timeframe returning 1)
  select exists (select 1 from cleared);
$$;

-- The receiver's enqueue for a watcher that turned active: the message id, or null when the pair
-- has indicators fresher than p_fresh, a job waiting, an ingestion begun within p_fresh, or is
-- backing off after "no data". Concurrent calls for one pair are serialised by a transaction-long
-- advisory lock, so two deliveries cannot both find nothing waiting and both send.
create function ops.enqueue_pair_ingestion(p_symbol text, p_timeframe text, p_user_id uuid, p_fresh interval)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_msg_id bigint;
begin
  if p_symbol is null or p_timeframe is null or p_fresh is null or p_fresh < interval '0' then
    raise exception 'a symbol, a timeframe and a freshness of 0 or more are required' using errcode = '22023';
  end if;

  perform pg_advisory_xact_lock(hashtextextended('ingest_indicators/' || p_symbol || '/' || p_timeframe, 0));
  if exists (
      select 1 from public.indicators i
      where i.symbol = p_symbol and i.timeframe = p_timeframe and i.at >= now() - p_fresh)
    or exists (
      select 1 from pgmq.q_ingest_indicators q
      where q.message ->> 'symbol' = p_symbol and q.message ->> 'timeframe' = p_timeframe)
    or exists (
      select 1 from ops.job_runs r
      where r.queue = 'ingest_indicators' and r.symbol = p_symbol and r.timeframe = p_timeframe
        and r.started_at > now() - p_fresh)
    or exists (
      select 1 from ops.provider_no_data n
      where n.symbol = p_symbol and n.timeframe = p_timeframe and n.retry_after > now()) then
    return null;
  end if;

  select s.msg_id into v_msg_id
  from pgmq.send('ingest_indicators', jsonb_build_object('symbol', p_symbol, 'timeframe', p_timeframe, 'user_id', p_user_id))
    as s (msg_id);
  return v_msg_id;
end;
$$;

-- The cron's enqueue, as before (20261202140000_provider_budget.sql), and not for a pair backing off.
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
      where q.message ->> 'symbol' = w.symbol and q.message ->> 'timeframe' = w.timeframe)
    and not exists (
      select 1 from public.candles c
      where c.symbol = w.symbol and c.timeframe = w.timeframe and c.open_time >= ops.last_closed_bar(w.timeframe))
    and not exists (
      select 1 from ops.job_runs r
      where r.queue = 'ingest_indicators' and r.symbol = w.symbol and r.timeframe = w.timeframe
        and r.started_at > now() - least(w.timeframe::interval, interval '15 minutes'))
    and not exists (
      select 1 from ops.provider_no_data n
      where n.symbol = w.symbol and n.timeframe = w.timeframe and n.retry_after > now());

  if v_msgs is null then
    return 0;
  end if;
  perform pgmq.send_batch('ingest_indicators', v_msgs, v_headers);
  return cardinality(v_msgs);
end;
$$;

-- The job_runs probe above, per pair, without reading every queue's history.
create index if not exists job_runs_pair_started_idx on ops.job_runs (queue, symbol, timeframe, started_at desc);

revoke execute on function
  ops.no_data_backoff(integer),
  ops.record_provider_no_data(text, text),
  ops.clear_provider_no_data(text, text),
  ops.enqueue_pair_ingestion(text, text, uuid, interval)
  from public;

grant execute on function ops.enqueue_pair_ingestion(text, text, uuid, interval) to zmarty_api;
grant execute on function ops.record_provider_no_data(text, text), ops.clear_provider_no_data(text, text) to zmarty_worker;
grant select on ops.provider_no_data to zmarty_admin;
create policy zmarty_admin_reads_provider_no_data on ops.provider_no_data for select to zmarty_admin using (true);
