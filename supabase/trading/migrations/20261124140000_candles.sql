-- Supabase B (trading): the candles the Worker fetched, and which candles each computed indicators row used.
--
-- candles: one row per (symbol, timeframe, open_time), upserted by every ingestion, so a bar fetched twice is
-- stored once and a corrected bar replaces the old one. The win-rate job resolves signals against them and charts
-- can read them. Bars are stamped by their open time (docs/trading-statistics.md). Prices are double precision, as
-- the providers send and the indicators compute them: numeric would round each to 15 digits on the way in, and an
-- indicators row could no longer be recomputed exactly from the candles it names.
create table public.candles (
  symbol text not null,
  timeframe text not null,
  open_time timestamptz not null,
  open double precision not null check (open > 0),
  high double precision not null,
  low double precision not null check (low > 0),
  close double precision not null check (close > 0),
  volume double precision not null check (volume >= 0),
  fetched_at timestamptz not null default now(),
  primary key (symbol, timeframe, open_time),
  check (high >= greatest(open, close) and low <= least(open, close))
);

alter table public.candles enable row level security;

-- Service only, as the rest of B: the API roles get nothing, service_role reads and writes rows.
revoke all on public.candles from anon, authenticated;
revoke truncate, trigger, references on public.candles from service_role;
grant select, insert, update, delete on public.candles to service_role;

-- An internal indicators row names the candles it was computed from: the open time of the last one and how many.
alter table public.indicators
  add column last_candle_at timestamptz,
  add column candle_count integer check (candle_count > 0);
