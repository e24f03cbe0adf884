-- Supabase B (trading): market data is bought by the call, so the pipeline spends calls by need.
--
-- Cryptometer's free plan allows 10,000 calls a month. Three changes (docs/pipeline.md, "Calls by need"):
-- 1. ops.provider_calls counts each provider key's calls per UTC month, shared by every Worker, and
--    refuses a call once the budget is spent.
-- 2. public.market_readings keeps the market-wide readings (Cryptometer's trend indicator), read once
--    per ingestion cycle for every pair instead of once per pair.
-- 3. ops.enqueue_ingestion enqueues a pair only when its timeframe has closed a bar that B does not
--    have yet: a 4h pair every 4 hours, not at every 5-minute cron run.

create table ops.provider_calls (
  provider text not null,
  month date not null check (month = date_trunc('month', month)),
  calls bigint not null default 0 check (calls >= 0),
  -- The budget the Worker had when it last counted: the admin page shows it beside the count.
  budget bigint not null check (budget > 0),
  refused bigint not null default 0 check (refused >= 0),
  last_refused_at timestamptz,
  updated_at timestamptz not null default now(),
  primary key (provider, month)
);
alter table ops.provider_calls enable row level security;

-- Counts one call of p_provider against p_budget for the current UTC month, atomically (a row
-- lock per provider and month): allowed is false, and nothing is counted but the refusal, once
-- the month's calls have reached the budget. calls is the month's count after this call.
create function ops.spend_provider_call(p_provider text, p_budget bigint)
returns table (allowed boolean, calls bigint)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_month date := date_trunc('month', now() at time zone 'utc')::date;
begin
  if p_provider is null or p_budget is null or p_budget <= 0 then
    raise exception 'a provider and a positive budget are required, got % and %', p_provider, p_budget using errcode = '22023';
  end if;

  insert into ops.provider_calls as c (provider, month, calls, budget)
  values (p_provider, v_month, 1, p_budget)
  on conflict (provider, month) do update
    set calls = c.calls + 1, budget = excluded.budget, updated_at = now()
    where c.calls < excluded.budget
  returning true, c.calls into allowed, calls;

  if allowed is null then
    update ops.provider_calls c
    set refused = c.refused + 1, last_refused_at = now(), budget = p_budget, updated_at = now()
    where c.provider = p_provider and c.month = v_month
    returning false, c.calls into allowed, calls;
  end if;
  return next;
end;
$$;

revoke execute on function ops.spend_provider_call(text, bigint) from public;

create table public.market_readings (
  source text not null,
  name text not null,
  -- When the provider says the reading is from (else when it was fetched).
  at timestamptz not null,
  data jsonb not null,
  fetched_at timestamptz not null default now(),
  primary key (source, name)
);
alter table public.market_readings enable row level security;
revoke all on public.market_readings from anon, authenticated;
revoke truncate, trigger, references on public.market_readings from service_role;

-- The newest bar of a timeframe that has closed: timeframes are written as PostgreSQL reads
-- intervals ('5m', '4h', '1d', '1w'), and bars are aligned to UTC midnight, weeks to Monday
-- (2000-01-03 was a Monday).
create function ops.last_closed_bar(p_timeframe text, p_now timestamptz default now())
returns timestamptz
language sql
immutable
set search_path = ''
as $$
  select date_bin(p_timeframe::interval, p_now, timestamptz '2000-01-03 00:00:00+00') - p_timeframe::interval;
$$;

revoke execute on function ops.last_closed_bar(text, timestamptz) from public;

-- As before (skip pairs with a message waiting; a traceparent per message), and only pairs that
-- are due: B lacks the newest closed bar, and no ingestion of the pair began in the last bar
-- length (at most 15 minutes), so a pair whose bar the provider has not published yet is asked
-- again later, not at every run.
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
        and r.started_at > now() - least(w.timeframe::interval, interval '15 minutes'));

  if v_msgs is null then
    return 0;
  end if;
  perform pgmq.send_batch('ingest_indicators', v_msgs, v_headers);
  return cardinality(v_msgs);
end;
$$;

-- The Worker counts its calls through the definer function and keeps the market-wide readings;
-- the admin reads the counts.
grant execute on function ops.spend_provider_call(text, bigint) to zmarty_worker;
grant select, insert, update on public.market_readings to zmarty_worker;
create policy zmarty_worker_writes_market_readings on public.market_readings for all to zmarty_worker using (true) with check (true);
grant select on ops.provider_calls to zmarty_admin;
create policy zmarty_admin_reads_provider_calls on ops.provider_calls for select to zmarty_admin using (true);
