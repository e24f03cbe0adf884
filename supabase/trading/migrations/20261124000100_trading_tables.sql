-- Supabase B (trading): the tables the Worker fills. Every table has the natural key its writer
-- upserts on (insert ... on conflict ... do update), so running the same job twice changes nothing.
--
-- Users never query B directly (the Api reads it with the service key), so RLS is enabled with no
-- policies: anon and authenticated see nothing, service_role bypasses RLS.

-- Shared by every table that has an updated_at column.
create or replace function public.set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

-- watchers: mirror of Supabase A's user_symbols, kept in step by the signed webhook receiver.
create table public.watchers (
  id bigserial primary key,
  user_id uuid not null, -- auth user in Supabase A: no foreign key across databases
  symbol text not null,
  timeframe text not null default '1h' check (timeframe in ('1m', '5m', '15m', '30m', '1h', '4h', '1d', '1w')),
  strategy jsonb not null default '{}'::jsonb,
  active boolean not null default true,
  -- updated_at of the user_symbols row this mirrors: deliveries can arrive out of order, and the
  -- receiver applies one only when it is not older than what is stored.
  source_updated_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (user_id, symbol, timeframe)
);

create trigger watchers_set_updated_at
  before update on public.watchers
  for each row execute function public.set_updated_at();

-- The cron job enqueues one ingestion per distinct active (symbol, timeframe).
create index watchers_active_symbol_idx on public.watchers (symbol, timeframe) where active;

-- indicators: Cryptometer / King Fisher / computed data per candle.
create table public.indicators (
  id bigserial primary key,
  symbol text not null,
  timeframe text not null,
  at timestamptz not null,
  data jsonb not null default '{}'::jsonb,
  source text not null check (source in ('cryptometer', 'kingfisher', 'internal')),
  created_at timestamptz not null default now(),
  unique (symbol, timeframe, at, source)
);

-- Retention deletes by age.
create index indicators_at_idx on public.indicators (at);

create table public.risk_metric (
  id bigserial primary key,
  symbol text not null,
  at timestamptz not null,
  metrics jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  unique (symbol, at)
);

-- liq_clusters: the blueprint had no key; one snapshot per symbol and time makes re-ingestion an upsert.
create table public.liq_clusters (
  id bigserial primary key,
  symbol text not null,
  at timestamptz not null,
  clusters jsonb not null default '[]'::jsonb check (jsonb_typeof(clusters) = 'array'),
  created_at timestamptz not null default now(),
  unique (symbol, at)
);

-- signals: one per (symbol, timeframe, at, user, strategy_version). user_id null is the global
-- signal; `nulls not distinct` (PostgreSQL 15) makes null a single key value, so the global signal
-- is upserted with a plain `on conflict (symbol, timeframe, at, user_id, strategy_version)`
-- instead of the blueprint's expression in a unique constraint, which PostgreSQL rejects.
create table public.signals (
  id bigserial primary key,
  symbol text not null,
  timeframe text not null,
  at timestamptz not null,
  direction text not null check (direction in ('long', 'short', 'flat', 'hold')),
  score numeric not null check (score between 0 and 1),
  entry_price numeric,
  stop_loss numeric,
  take_profit numeric[],
  confidence numeric check (confidence between 0 and 1),
  reasons jsonb not null default '[]'::jsonb,
  user_id uuid,
  strategy_version text not null default 'v1',
  metadata jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  constraint signals_natural_key unique nulls not distinct (symbol, timeframe, at, user_id, strategy_version)
);

-- "Latest signals for a symbol" (chat context) and win-rate resolution over a lookback.
create index signals_symbol_at_idx on public.signals (symbol, timeframe, at desc);

create table public.win_rate (
  id bigserial primary key,
  symbol text not null,
  timeframe text not null,
  lookback_days integer not null check (lookback_days > 0),
  win_rate numeric not null check (win_rate between 0 and 1),
  sample_size integer not null check (sample_size >= 0),
  params jsonb not null default '{}'::jsonb,
  strategy_version text not null default 'v1',
  computed_at timestamptz not null default now(),
  unique (symbol, timeframe, lookback_days, strategy_version)
);

alter table public.watchers enable row level security;
alter table public.indicators enable row level security;
alter table public.risk_metric enable row level security;
alter table public.liq_clusters enable row level security;
alter table public.signals enable row level security;
alter table public.win_rate enable row level security;

-- Supabase's default grants give the API roles every public table; B is service-only.
revoke all on public.watchers, public.indicators, public.risk_metric, public.liq_clusters,
  public.signals, public.win_rate
  from anon, authenticated;
