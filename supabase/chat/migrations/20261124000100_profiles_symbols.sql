-- Supabase A (chat): user profiles and tiers, watched symbols, and the outbox that carries symbol
-- changes to Supabase B. Column names follow the blueprint so the existing supabase-js frontend
-- keeps working (docs/database.md).

create extension if not exists pgcrypto with schema extensions;

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

-- ---------------------------------------------------------------------------------------------
-- user_profiles: one per auth user, created by the signup trigger (next migration).
-- ---------------------------------------------------------------------------------------------
create table public.user_profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  email text,
  full_name text,
  tier text not null default 'free' check (tier in ('free', 'pro', 'enterprise')),
  max_tokens_per_request integer not null default 1024 check (max_tokens_per_request > 0),
  max_requests_per_minute integer not null default 10 check (max_requests_per_minute > 0),
  features jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create trigger user_profiles_set_updated_at
  before update on public.user_profiles
  for each row execute function public.set_updated_at();

alter table public.user_profiles enable row level security;

create policy "user_profiles: read own" on public.user_profiles
  for select to authenticated
  using (id = (select auth.uid()));

-- A user may edit their display name; tier, limits and features are set by the service only.
create policy "user_profiles: update own" on public.user_profiles
  for update to authenticated
  using (id = (select auth.uid()))
  with check (id = (select auth.uid()));

revoke all on public.user_profiles from anon, authenticated;
grant select on public.user_profiles to authenticated;
grant update (full_name) on public.user_profiles to authenticated;

-- How many symbols a tier may watch at once (null = unlimited). Blueprint: free 1, pro 10.
create or replace function public.tier_symbol_limit(p_tier text)
returns integer
language sql
immutable
set search_path = ''
as $$
  select case p_tier
    when 'free' then 1
    when 'pro' then 10
    when 'enterprise' then null
    else 0
  end;
$$;

-- ---------------------------------------------------------------------------------------------
-- user_symbols: the symbols a user watches. Managed by the user through supabase-js.
-- ---------------------------------------------------------------------------------------------
create table public.user_symbols (
  id bigserial primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  symbol text not null check (symbol ~ '^[A-Z0-9]{1,20}/[A-Z0-9]{1,20}$'),
  timeframe text not null default '1h' check (timeframe in ('1m', '5m', '15m', '30m', '1h', '4h', '1d', '1w')),
  strategy jsonb not null default '{}'::jsonb,
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (user_id, symbol, timeframe)
);

create trigger user_symbols_set_updated_at
  before update on public.user_symbols
  for each row execute function public.set_updated_at();

alter table public.user_symbols enable row level security;

create policy "user_symbols: read own" on public.user_symbols
  for select to authenticated
  using (user_id = (select auth.uid()));

create policy "user_symbols: insert own" on public.user_symbols
  for insert to authenticated
  with check (user_id = (select auth.uid()));

create policy "user_symbols: update own" on public.user_symbols
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

create policy "user_symbols: delete own" on public.user_symbols
  for delete to authenticated
  using (user_id = (select auth.uid()));

revoke all on public.user_symbols from anon;

-- Tier limit on active symbols. The profile row is locked first, so two concurrent inserts by the
-- same user are serialised and cannot both pass the count. SECURITY DEFINER because the user's
-- role may not lock the profile row (it has no update right on tier).
create or replace function public.enforce_symbol_limit()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_tier text;
  v_limit integer;
  v_active integer;
begin
  if not new.active then
    return new;
  end if;
  -- An update that leaves an already active row active does not add a symbol.
  if tg_op = 'UPDATE' and old.active and old.user_id = new.user_id then
    return new;
  end if;

  select p.tier into v_tier
  from public.user_profiles p
  where p.id = new.user_id
  for update;

  if v_tier is null then
    raise exception 'no profile for user %', new.user_id
      using errcode = 'ZS404', hint = 'profiles are created by the signup trigger on auth.users';
  end if;

  v_limit := public.tier_symbol_limit(v_tier);
  if v_limit is null then
    return new;
  end if;

  select count(*) into v_active
  from public.user_symbols s
  where s.user_id = new.user_id and s.active and s.id <> new.id;

  if v_active >= v_limit then
    raise exception 'symbol limit reached: tier % allows % watched symbol%', v_tier, v_limit,
        case when v_limit = 1 then '' else 's' end
      using errcode = 'ZS403',
        detail = format('the user already watches %s active symbol(s)', v_active),
        hint = 'deactivate or delete a symbol, or upgrade the tier';
  end if;
  return new;
end;
$$;

revoke execute on function public.enforce_symbol_limit() from public, anon, authenticated;

create trigger user_symbols_enforce_limit
  before insert or update of active, user_id on public.user_symbols
  for each row execute function public.enforce_symbol_limit();

-- Counting a user's active symbols stays an index lookup.
create index user_symbols_user_active_idx on public.user_symbols (user_id) where active;

-- ---------------------------------------------------------------------------------------------
-- user_symbols_outbox: every change to user_symbols, written by trigger in the same transaction
-- as the change (so a change is never lost and never sent without having happened), in the
-- Supabase database-webhook payload shape. The Worker's relay delivers it to Supabase B.
-- ---------------------------------------------------------------------------------------------
create table public.user_symbols_outbox (
  id bigserial primary key,
  -- The webhook-id of every delivery attempt of this event: the receiver's idempotency key.
  event_id uuid not null default gen_random_uuid() unique,
  payload jsonb not null,
  created_at timestamptz not null default now(),
  delivered_at timestamptz,
  attempts integer not null default 0,
  last_error text,
  next_attempt_at timestamptz not null default now()
);

-- "The next batch of undelivered events due now, oldest first" reads only undelivered rows.
create index user_symbols_outbox_pending_idx
  on public.user_symbols_outbox (next_attempt_at, id)
  where delivered_at is null;

-- Service only: RLS on without policies, and no grants for the API roles.
alter table public.user_symbols_outbox enable row level security;
revoke all on public.user_symbols_outbox from anon, authenticated;
revoke all on sequence public.user_symbols_outbox_id_seq from anon, authenticated;

create or replace function public.user_symbols_to_outbox()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.user_symbols_outbox (payload)
  values (jsonb_build_object(
    'type', tg_op,
    'table', tg_table_name,
    'schema', tg_table_schema,
    'record', case when tg_op = 'DELETE' then null else to_jsonb(new) end,
    'old_record', case when tg_op = 'INSERT' then null else to_jsonb(old) end
  ));
  return null;
end;
$$;

revoke execute on function public.user_symbols_to_outbox() from public, anon, authenticated;

create trigger user_symbols_outbox
  after insert or update or delete on public.user_symbols
  for each row execute function public.user_symbols_to_outbox();
