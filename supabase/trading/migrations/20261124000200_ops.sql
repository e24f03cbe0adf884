-- Supabase B (trading): the ops schema the AdminUi reads. Recent warnings and errors from every
-- service, one row per processed queue message, and how long each kind of row is kept.

create schema if not exists ops;

create table ops.error_log (
  id bigserial primary key,
  at timestamptz not null default now(),
  service text not null,
  level text not null check (level in ('warning', 'error', 'critical')),
  message text not null,
  exception text,
  trace_id text,
  properties jsonb not null default '{}'::jsonb
);

-- The AdminUi shows the newest first, overall and per service; retention deletes by age.
create index error_log_at_idx on ops.error_log (at desc);
create index error_log_service_at_idx on ops.error_log (service, at desc);

create table ops.job_runs (
  id bigserial primary key,
  queue text not null,
  msg_id bigint,
  -- read_ct of the delivery: a message retried three times leaves three rows, and recording the
  -- same delivery twice (a consumer retrying its own bookkeeping) leaves one.
  attempt integer not null default 1 check (attempt > 0),
  job text not null,
  symbol text,
  timeframe text,
  started_at timestamptz not null default now(),
  duration_ms integer check (duration_ms >= 0),
  outcome text not null check (outcome in ('succeeded', 'failed', 'retrying', 'archived')),
  error text,
  unique (queue, msg_id, attempt)
);

create index job_runs_started_at_idx on ops.job_runs (started_at desc);
create index job_runs_queue_started_at_idx on ops.job_runs (queue, started_at desc);

-- How long rows are kept, per target; ops.prune() (run daily by pg_cron) applies it. Changing a
-- retention is an update here, not a migration of the job.
create table ops.retention (
  target text primary key check (target in (
    'public.indicators', 'ops.error_log', 'ops.job_runs', 'cron.job_run_details', 'pgmq.archive')),
  keep interval not null check (keep > interval '0'),
  updated_at timestamptz not null default now()
);

insert into ops.retention (target, keep) values
  ('public.indicators', interval '90 days'),
  ('ops.error_log', interval '14 days'),
  ('ops.job_runs', interval '14 days'),
  ('cron.job_run_details', interval '7 days'),
  ('pgmq.archive', interval '30 days')
on conflict (target) do nothing;

-- Service only, as the rest of B.
alter table ops.error_log enable row level security;
alter table ops.job_runs enable row level security;
alter table ops.retention enable row level security;

grant usage on schema ops to service_role;
grant select, insert, update, delete on all tables in schema ops to service_role;
grant usage, select on all sequences in schema ops to service_role;
