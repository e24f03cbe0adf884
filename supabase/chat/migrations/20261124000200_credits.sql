-- Supabase A (chat): exact credit accounting.
--
-- The blueprint's charge function read the balance (a sum over the whole ledger) and then inserted,
-- so two concurrent requests could both pass the check and overdraw, a retry charged twice, and the
-- cost grew with the user's history. Here:
--   * credit_accounts keeps one row per user with the balance (= sum of the user's ledger deltas)
--     and the credits currently held; every operation locks that row first, so the check and the
--     write happen atomically per user, and costs one row lookup whatever the history length.
--   * every operation carries a request id with a unique constraint (credit_holds.request_id,
--     credits_ledger.request_id), and a replay returns the original result instead of writing.
--   * a charge is hold -> settle (or release): the API holds the maximum a model call may cost,
--     then settles the actual cost, so concurrent chats cannot spend the same credits.
-- Errors use SQLSTATEs of our own (class ZC), listed in docs/database.md.

create table public.credit_accounts (
  user_id uuid primary key references auth.users (id) on delete cascade,
  -- Sum of the user's ledger deltas, maintained in the same transaction as each ledger insert.
  balance bigint not null default 0 check (balance >= 0),
  -- Credits reserved by open holds; available = balance - held.
  held bigint not null default 0 check (held >= 0),
  transaction_count bigint not null default 0,
  last_transaction_at timestamptz,
  updated_at timestamptz not null default now(),
  check (held <= balance)
);

create table public.credits_ledger (
  id bigserial primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  delta integer not null check (delta <> 0),
  provider text not null check (provider in ('grok', 'gpt', 'claude', 'data', 'topup', 'referral', 'bonus')),
  units jsonb not null default '{}'::jsonb,
  reason text,
  metadata jsonb not null default '{}'::jsonb,
  -- Idempotency key of the operation that wrote the row (grant, settle or refund request id).
  request_id text unique check (length(request_id) between 1 and 200),
  kind text not null default 'grant' check (kind in ('grant', 'charge', 'refund')),
  refund_of bigint references public.credits_ledger (id),
  created_at timestamptz not null default now(),
  check ((kind = 'charge') = (delta < 0)),
  check ((kind = 'refund') = (refund_of is not null))
);

-- A user's history, newest first (the frontend's list) without scanning other users' rows.
create index credits_ledger_user_created_idx on public.credits_ledger (user_id, created_at desc);

create table public.credit_holds (
  request_id text primary key check (length(request_id) between 1 and 200),
  user_id uuid not null references auth.users (id) on delete cascade,
  amount integer not null check (amount > 0),
  status text not null default 'held' check (status in ('held', 'settled', 'released')),
  charged integer check (charged >= 0),
  refunded integer not null default 0 check (refunded >= 0),
  ledger_id bigint references public.credits_ledger (id),
  metadata jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  resolved_at timestamptz,
  check (refunded <= coalesce(charged, 0))
);

-- Expiring abandoned holds reads only the open ones.
create index credit_holds_open_idx on public.credit_holds (created_at) where status = 'held';
create index credit_holds_user_idx on public.credit_holds (user_id, created_at desc);

-- The blueprint's view, same columns (plus held and available at the end), now an O(1) read of the
-- account row instead of a sum over the ledger. security_invoker so the caller's RLS applies.
create view public.credit_balance with (security_invoker = true) as
select
  a.user_id,
  a.balance,
  a.transaction_count,
  a.last_transaction_at,
  a.held,
  a.balance - a.held as available
from public.credit_accounts a;

-- RLS: users read their own rows; nobody but the service (service_role, or these SECURITY
-- DEFINER functions) writes. Supabase's default grants give the API roles everything on public
-- tables, so the write privileges are revoked as well as left without policies.
alter table public.credit_accounts enable row level security;
alter table public.credits_ledger enable row level security;
alter table public.credit_holds enable row level security;

create policy "credit_accounts: read own" on public.credit_accounts
  for select to authenticated using (user_id = (select auth.uid()));
create policy "credits_ledger: read own" on public.credits_ledger
  for select to authenticated using (user_id = (select auth.uid()));
create policy "credit_holds: read own" on public.credit_holds
  for select to authenticated using (user_id = (select auth.uid()));

revoke all on public.credit_accounts, public.credits_ledger, public.credit_holds, public.credit_balance
  from anon, authenticated;
grant select on public.credit_accounts, public.credits_ledger, public.credit_holds, public.credit_balance
  to authenticated;
revoke all on sequence public.credits_ledger_id_seq from anon, authenticated;

-- What every operation returns: the row it wrote (or, on a replay, the row written the first
-- time) and the account after it.
create type public.credit_result as (
  ledger_id bigint,
  request_id text,
  user_id uuid,
  status text,
  amount integer,
  balance bigint,
  held bigint,
  available bigint,
  replayed boolean
);

create or replace function public.credits_check_request_id(p_request_id text)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_request_id is null or length(p_request_id) not between 1 and 200 then
    raise exception 'request id must be 1 to 200 characters' using errcode = 'ZC422';
  end if;
end;
$$;

-- Locks the user's account row for the rest of the transaction, creating it when missing.
create or replace function public.credits_lock_account(p_user_id uuid, p_create boolean)
returns public.credit_accounts
language plpgsql
set search_path = ''
as $$
declare
  v_account public.credit_accounts;
begin
  select * into v_account from public.credit_accounts where user_id = p_user_id for update;
  if found or not p_create then
    return v_account;
  end if;
  if not exists (select 1 from auth.users where id = p_user_id) then
    raise exception 'unknown user %', p_user_id using errcode = 'ZC404';
  end if;
  insert into public.credit_accounts (user_id) values (p_user_id) on conflict do nothing;
  select * into v_account from public.credit_accounts where user_id = p_user_id for update;
  return v_account;
end;
$$;

-- Builds what every operation returns from the account as it stands after the operation.
create or replace function public.credits_result(
  p_ledger_id bigint,
  p_request_id text,
  p_user_id uuid,
  p_status text,
  p_amount integer,
  p_account public.credit_accounts,
  p_replayed boolean
)
returns public.credit_result
language sql
immutable
set search_path = ''
as $$
  select (p_ledger_id, p_request_id, p_user_id, p_status, p_amount, p_account.balance, p_account.held,
          p_account.balance - p_account.held, p_replayed)::public.credit_result;
$$;

-- Locks the account that owns the hold p_request_id, then the hold: account first, then hold, the
-- order every operation takes its locks in, so two operations on one user cannot deadlock.
create or replace function public.credits_lock_hold(
  p_request_id text,
  p_missing_message text,
  out o_account public.credit_accounts,
  out o_hold public.credit_holds
)
language plpgsql
set search_path = ''
as $$
declare
  v_user_id uuid;
begin
  select user_id into v_user_id from public.credit_holds where request_id = p_request_id;
  if v_user_id is null then
    raise exception '% %', p_missing_message, p_request_id using errcode = 'ZC404';
  end if;

  o_account := public.credits_lock_account(v_user_id, false);
  select * into o_hold from public.credit_holds where request_id = p_request_id for update;
end;
$$;

-- grant: add credits (signup bonus, top-up, referral). Replaying the request id returns the
-- original grant; reusing it for a different user or amount is an error.
create or replace function public.credits_grant(
  p_user_id uuid,
  p_amount integer,
  p_provider text,
  p_request_id text,
  p_reason text default null,
  p_metadata jsonb default '{}'::jsonb
)
returns public.credit_result
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_account public.credit_accounts;
  v_row public.credits_ledger;
begin
  perform public.credits_check_request_id(p_request_id);
  if p_amount is null or p_amount <= 0 then
    raise exception 'grant amount must be positive, got %', p_amount using errcode = 'ZC422';
  end if;

  v_account := public.credits_lock_account(p_user_id, true);

  select * into v_row from public.credits_ledger where request_id = p_request_id;
  if found then
    if v_row.user_id <> p_user_id or v_row.kind <> 'grant' or v_row.delta <> p_amount then
      raise exception 'request id % was already used for a different operation', p_request_id
        using errcode = 'ZC409';
    end if;
    return public.credits_result(v_row.id, p_request_id, p_user_id, 'granted', v_row.delta, v_account, true);
  end if;

  insert into public.credits_ledger (user_id, delta, provider, reason, metadata, request_id, kind)
  values (p_user_id, p_amount, p_provider, p_reason, coalesce(p_metadata, '{}'::jsonb), p_request_id, 'grant')
  returning * into v_row;

  update public.credit_accounts
  set balance = balance + p_amount,
      transaction_count = transaction_count + 1,
      last_transaction_at = v_row.created_at,
      updated_at = now()
  where user_id = p_user_id
  returning * into v_account;

  return public.credits_result(v_row.id, p_request_id, p_user_id, 'granted', p_amount, v_account, false);
end;
$$;

-- hold: reserve p_amount of the user's available credits for a request. Fails with ZC402 (and
-- writes nothing) when balance - held < p_amount. Replaying returns the hold in its current state.
create or replace function public.credits_hold(
  p_user_id uuid,
  p_amount integer,
  p_request_id text,
  p_metadata jsonb default '{}'::jsonb
)
returns public.credit_result
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_account public.credit_accounts;
  v_hold public.credit_holds;
begin
  perform public.credits_check_request_id(p_request_id);
  if p_amount is null or p_amount <= 0 then
    raise exception 'hold amount must be positive, got %', p_amount using errcode = 'ZC422';
  end if;

  v_account := public.credits_lock_account(p_user_id, false);

  select * into v_hold from public.credit_holds where request_id = p_request_id;
  if found then
    if v_hold.user_id <> p_user_id or v_hold.amount <> p_amount then
      raise exception 'request id % was already used for a different hold', p_request_id
        using errcode = 'ZC409';
    end if;
    return public.credits_result(v_hold.ledger_id, p_request_id, p_user_id, v_hold.status, v_hold.amount, v_account, true);
  end if;

  if v_account.user_id is null or v_account.balance - v_account.held < p_amount then
    raise exception 'insufficient credits: % available, % required',
        coalesce(v_account.balance - v_account.held, 0), p_amount
      using errcode = 'ZC402',
        detail = jsonb_build_object(
          'balance', coalesce(v_account.balance, 0),
          'available', coalesce(v_account.balance - v_account.held, 0),
          'required', p_amount)::text;
  end if;

  insert into public.credit_holds (request_id, user_id, amount, metadata)
  values (p_request_id, p_user_id, p_amount, coalesce(p_metadata, '{}'::jsonb));

  update public.credit_accounts
  set held = held + p_amount,
      updated_at = now()
  where user_id = p_user_id
  returning * into v_account;

  return public.credits_result(null::bigint, p_request_id, p_user_id, 'held', p_amount, v_account, false);
end;
$$;

-- settle: turn a hold into one ledger charge of the actual cost. The charge may be below the hold
-- (the rest is freed). Above the hold it is capped at what the user can pay without touching other
-- open holds (hold + available), so the balance never goes negative; the requested amount and the
-- cap are kept in the ledger row's metadata. A zero cost settles without a ledger row. Replaying a
-- settled request id returns the original charge and changes nothing.
create or replace function public.credits_settle(
  p_request_id text,
  p_amount integer,
  p_provider text,
  p_units jsonb default '{}'::jsonb,
  p_reason text default null,
  p_metadata jsonb default '{}'::jsonb
)
returns public.credit_result
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user_id uuid;
  v_account public.credit_accounts;
  v_locked record;
  v_hold public.credit_holds;
  v_charge integer;
  v_row public.credits_ledger;
begin
  perform public.credits_check_request_id(p_request_id);
  if p_amount is null or p_amount < 0 then
    raise exception 'settle amount must be zero or more, got %', p_amount using errcode = 'ZC422';
  end if;

  select * into v_locked from public.credits_lock_hold(p_request_id, 'no hold with request id');
  v_account := v_locked.o_account;
  v_hold := v_locked.o_hold;
  v_user_id := v_hold.user_id;

  if v_hold.status = 'settled' then
    return public.credits_result(v_hold.ledger_id, p_request_id, v_user_id, 'settled', v_hold.charged, v_account, true);
  elsif v_hold.status = 'released' then
    raise exception 'hold % was released and cannot be settled', p_request_id using errcode = 'ZC409';
  end if;

  v_charge := least(p_amount::bigint, v_hold.amount + (v_account.balance - v_account.held))::integer;

  if v_charge > 0 then
    insert into public.credits_ledger (user_id, delta, provider, units, reason, metadata, request_id, kind)
    values (
      v_user_id, -v_charge, p_provider, coalesce(p_units, '{}'::jsonb), p_reason,
      coalesce(p_metadata, '{}'::jsonb)
        || jsonb_build_object('held', v_hold.amount)
        || case when v_charge < p_amount
             then jsonb_build_object('requested', p_amount, 'capped', true)
             else '{}'::jsonb
           end,
      p_request_id, 'charge')
    returning * into v_row;
  end if;

  update public.credit_holds
  set status = 'settled', charged = v_charge, ledger_id = v_row.id, resolved_at = now()
  where request_id = p_request_id;

  update public.credit_accounts
  set balance = balance - v_charge,
      held = held - v_hold.amount,
      transaction_count = transaction_count + case when v_charge > 0 then 1 else 0 end,
      last_transaction_at = coalesce(v_row.created_at, last_transaction_at),
      updated_at = now()
  where user_id = v_user_id
  returning * into v_account;

  return public.credits_result(v_row.id, p_request_id, v_user_id, 'settled', v_charge, v_account, false);
end;
$$;

-- release: give a hold back without charging (the request failed before costing anything).
create or replace function public.credits_release(p_request_id text)
returns public.credit_result
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user_id uuid;
  v_account public.credit_accounts;
  v_locked record;
  v_hold public.credit_holds;
begin
  perform public.credits_check_request_id(p_request_id);
  select * into v_locked from public.credits_lock_hold(p_request_id, 'no hold with request id');
  v_account := v_locked.o_account;
  v_hold := v_locked.o_hold;
  v_user_id := v_hold.user_id;

  if v_hold.status = 'released' then
    return public.credits_result(null::bigint, p_request_id, v_user_id, 'released', v_hold.amount, v_account, true);
  elsif v_hold.status = 'settled' then
    raise exception 'hold % was settled and cannot be released', p_request_id using errcode = 'ZC409';
  end if;

  update public.credit_holds
  set status = 'released', resolved_at = now()
  where request_id = p_request_id;

  update public.credit_accounts
  set held = held - v_hold.amount,
      updated_at = now()
  where user_id = v_user_id
  returning * into v_account;

  return public.credits_result(null::bigint, p_request_id, v_user_id, 'released', v_hold.amount, v_account, false);
end;
$$;

-- refund: give back part or all (p_amount null) of a settled charge, as a positive ledger row that
-- points at the charge. The refunds of a charge never add up to more than the charge.
create or replace function public.credits_refund(
  p_request_id text,
  p_charge_request_id text,
  p_amount integer default null,
  p_reason text default null,
  p_metadata jsonb default '{}'::jsonb
)
returns public.credit_result
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user_id uuid;
  v_account public.credit_accounts;
  v_locked record;
  v_hold public.credit_holds;
  v_charge public.credits_ledger;
  v_row public.credits_ledger;
  v_amount integer;
begin
  perform public.credits_check_request_id(p_request_id);
  perform public.credits_check_request_id(p_charge_request_id);

  select * into v_locked from public.credits_lock_hold(p_charge_request_id, 'no charge with request id');
  v_account := v_locked.o_account;
  v_hold := v_locked.o_hold;
  v_user_id := v_hold.user_id;

  select * into v_row from public.credits_ledger where request_id = p_request_id;
  if found then
    if v_row.kind <> 'refund' or v_row.refund_of is distinct from v_hold.ledger_id then
      raise exception 'request id % was already used for a different operation', p_request_id
        using errcode = 'ZC409';
    end if;
    return public.credits_result(v_row.id, p_request_id, v_user_id, 'refunded', v_row.delta, v_account, true);
  end if;

  if v_hold.status <> 'settled' or v_hold.ledger_id is null then
    raise exception 'request % has no charge to refund', p_charge_request_id using errcode = 'ZC409';
  end if;

  v_amount := coalesce(p_amount, v_hold.charged - v_hold.refunded);
  if v_amount <= 0 or v_amount > v_hold.charged - v_hold.refunded then
    raise exception 'refund of % exceeds the % credits left to refund on %',
        v_amount, v_hold.charged - v_hold.refunded, p_charge_request_id
      using errcode = 'ZC422';
  end if;

  select * into v_charge from public.credits_ledger where id = v_hold.ledger_id;

  insert into public.credits_ledger (user_id, delta, provider, units, reason, metadata, request_id, kind, refund_of)
  values (v_user_id, v_amount, v_charge.provider, '{}'::jsonb, coalesce(p_reason, 'refund'),
          coalesce(p_metadata, '{}'::jsonb), p_request_id, 'refund', v_charge.id)
  returning * into v_row;

  update public.credit_holds
  set refunded = refunded + v_amount
  where request_id = p_charge_request_id;

  update public.credit_accounts
  set balance = balance + v_amount,
      transaction_count = transaction_count + 1,
      last_transaction_at = v_row.created_at,
      updated_at = now()
  where user_id = v_user_id
  returning * into v_account;

  return public.credits_result(v_row.id, p_request_id, v_user_id, 'refunded', v_amount, v_account, false);
end;
$$;

-- Releases holds left open longer than p_older_than (an API instance died between hold and
-- settle), so abandoned holds do not lock a user's credits forever. Returns how many it released.
create or replace function public.credits_release_expired(p_older_than interval default interval '15 minutes')
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_request_id text;
  v_released integer := 0;
begin
  for v_request_id in
    select request_id from public.credit_holds
    where status = 'held' and created_at < now() - p_older_than
    order by created_at
  loop
    if not (public.credits_release(v_request_id)).replayed then
      v_released := v_released + 1;
    end if;
  end loop;
  return v_released;
end;
$$;

-- Only the backend (service_role) and the owner may run the credit operations.
revoke execute on function
  public.credits_check_request_id(text),
  public.credits_lock_account(uuid, boolean),
  public.credits_lock_hold(text, text),
  public.credits_result(bigint, text, uuid, text, integer, public.credit_accounts, boolean),
  public.credits_grant(uuid, integer, text, text, text, jsonb),
  public.credits_hold(uuid, integer, text, jsonb),
  public.credits_settle(text, integer, text, jsonb, text, jsonb),
  public.credits_release(text),
  public.credits_refund(text, text, integer, text, jsonb),
  public.credits_release_expired(interval)
  from public, anon, authenticated;

grant execute on function
  public.credits_grant(uuid, integer, text, text, text, jsonb),
  public.credits_hold(uuid, integer, text, jsonb),
  public.credits_settle(text, integer, text, jsonb, text, jsonb),
  public.credits_release(text),
  public.credits_refund(text, text, integer, text, jsonb),
  public.credits_release_expired(interval)
  to service_role;

-- ---------------------------------------------------------------------------------------------
-- Signup: a new auth user gets a profile and the signup bonus, through the same grant function
-- (request id signup:<user id>, so a replayed signup never grants twice).
-- ---------------------------------------------------------------------------------------------
create or replace function public.handle_new_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.user_profiles (id, email, full_name)
  values (
    new.id,
    new.email,
    coalesce(new.raw_user_meta_data ->> 'full_name', new.raw_user_meta_data ->> 'name'))
  on conflict (id) do nothing;

  perform public.credits_grant(new.id, 100, 'bonus', 'signup:' || new.id::text, 'signup bonus');
  return new;
end;
$$;

revoke execute on function public.handle_new_user() from public, anon, authenticated;

create trigger on_auth_user_created
  after insert on auth.users
  for each row execute function public.handle_new_user();
