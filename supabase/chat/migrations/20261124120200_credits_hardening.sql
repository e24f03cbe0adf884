-- Supabase A (chat): the credit operations, hardened after a security review. Same signatures.
--
--   * Request ids are unique per kind of operation: grants, holds (whose charge carries the hold's
--     id) and refunds each have their own namespace, so a grant can no longer take the id a hold
--     needs for its charge.
--   * Every error a caller can cause is a ZC code (docs/database.md), never a raw SQLSTATE: bad
--     input is ZC400, an unknown user ZC404 (also for a hold), a request id reused for something
--     else ZC409 (also when two users race for one id, and when a settle is replayed with another
--     amount or provider).
--   * A charge names a model or data provider, a grant a grant provider.
--   * credits_release_expired refuses ages under five minutes: a younger hold may still be in use.
--   * The two foreign keys without an index get one: deleting a user with a long ledger checked
--     each of their ledger rows against the whole ledger and every hold.

create index credits_ledger_refund_of_idx on public.credits_ledger (refund_of) where refund_of is not null;
create index credit_holds_ledger_id_idx on public.credit_holds (ledger_id) where ledger_id is not null;

alter table public.credits_ledger drop constraint credits_ledger_request_id_key;
alter table public.credits_ledger add constraint credits_ledger_kind_request_id_key unique (kind, request_id);

-- What a settle asked for, so that a replay with another amount or provider is told apart.
alter table public.credit_holds
  add column requested integer check (requested >= 0),
  add column provider text;

update public.credit_holds h
set requested = coalesce((l.metadata ->> 'requested')::integer, h.charged),
    provider = l.provider
from public.credits_ledger l
where l.id = h.ledger_id;

update public.credit_holds set requested = 0 where status = 'settled' and ledger_id is null;

create or replace function public.credits_check_request_id(p_request_id text)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_request_id is null or length(p_request_id) not between 1 and 200 then
    raise exception 'request id must be 1 to 200 characters' using errcode = 'ZC400';
  end if;
end;
$$;

create function public.credits_check_amount(p_what text, p_amount integer, p_minimum integer)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_amount is null or p_amount < p_minimum then
    raise exception '% amount must be % or more, got %', p_what, p_minimum, coalesce(p_amount::text, 'null')
      using errcode = 'ZC400';
  end if;
end;
$$;

create function public.credits_check_object(p_what text, p_value jsonb)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_value is not null and jsonb_typeof(p_value) <> 'object' then
    raise exception '% must be a JSON object, got %', p_what, jsonb_typeof(p_value) using errcode = 'ZC400';
  end if;
end;
$$;

-- The providers a charge (p_kind 'charge') or a grant ('grant') may name; refunds take the
-- provider of the charge they refund.
create function public.credits_check_provider(p_provider text, p_kind text)
returns void
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_allowed text[] := case p_kind
    when 'charge' then array['grok', 'gpt', 'claude', 'data']
    when 'grant' then array['topup', 'referral', 'bonus']
  end;
begin
  if p_provider is null or not (p_provider = any (v_allowed)) then
    raise exception 'a % needs a provider in (%), got %', p_kind, array_to_string(v_allowed, ', '),
        coalesce(quote_literal(p_provider), 'null')
      using errcode = 'ZC400';
  end if;
end;
$$;

-- Locks the user's account row for the rest of the transaction, creating it when p_create and
-- missing. An unknown user is ZC404 either way; a known user without an account gets a null row.
create or replace function public.credits_lock_account(p_user_id uuid, p_create boolean)
returns public.credit_accounts
language plpgsql
set search_path = ''
as $$
declare
  v_account public.credit_accounts;
begin
  if p_user_id is null then
    raise exception 'user id is required' using errcode = 'ZC400';
  end if;
  select * into v_account from public.credit_accounts where user_id = p_user_id for update;
  if found then
    return v_account;
  end if;
  if not exists (select 1 from auth.users where id = p_user_id) then
    raise exception 'unknown user %', p_user_id using errcode = 'ZC404';
  end if;
  if not p_create then
    return v_account;
  end if;
  insert into public.credit_accounts (user_id) values (p_user_id) on conflict do nothing;
  select * into v_account from public.credit_accounts where user_id = p_user_id for update;
  return v_account;
end;
$$;

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
  perform public.credits_check_amount('grant', p_amount, 1);
  perform public.credits_check_provider(p_provider, 'grant');
  perform public.credits_check_object('metadata', p_metadata);

  v_account := public.credits_lock_account(p_user_id, true);

  select * into v_row from public.credits_ledger where kind = 'grant' and request_id = p_request_id;
  if found then
    if v_row.user_id <> p_user_id or v_row.delta <> p_amount or v_row.provider <> p_provider then
      raise exception 'grant request id % was already used for a different grant', p_request_id
        using errcode = 'ZC409';
    end if;
    return public.credits_result(v_row.id, p_request_id, p_user_id, 'granted', v_row.delta, v_account, true);
  end if;

  -- Another user's grant with this id may be committing right now: its row wins, this one is a conflict.
  insert into public.credits_ledger (user_id, delta, provider, reason, metadata, request_id, kind)
  values (p_user_id, p_amount, p_provider, p_reason, coalesce(p_metadata, '{}'::jsonb), p_request_id, 'grant')
  on conflict (kind, request_id) do nothing
  returning * into v_row;
  if not found then
    raise exception 'grant request id % was already used for a different grant', p_request_id using errcode = 'ZC409';
  end if;

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
  perform public.credits_check_amount('hold', p_amount, 1);
  perform public.credits_check_object('metadata', p_metadata);

  v_account := public.credits_lock_account(p_user_id, false);

  select * into v_hold from public.credit_holds where request_id = p_request_id;
  if found then
    if v_hold.user_id <> p_user_id or v_hold.amount <> p_amount then
      raise exception 'hold request id % was already used for a different hold', p_request_id
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

  -- Another user's hold with this id may be committing right now: its row wins, this one is a conflict.
  insert into public.credit_holds (request_id, user_id, amount, metadata)
  values (p_request_id, p_user_id, p_amount, coalesce(p_metadata, '{}'::jsonb))
  on conflict (request_id) do nothing;
  if not found then
    raise exception 'hold request id % was already used for a different hold', p_request_id using errcode = 'ZC409';
  end if;

  update public.credit_accounts
  set held = held + p_amount,
      updated_at = now()
  where user_id = p_user_id
  returning * into v_account;

  return public.credits_result(null::bigint, p_request_id, p_user_id, 'held', p_amount, v_account, false);
end;
$$;

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
  perform public.credits_check_amount('settle', p_amount, 0);
  perform public.credits_check_provider(p_provider, 'charge');
  perform public.credits_check_object('units', p_units);
  perform public.credits_check_object('metadata', p_metadata);

  select * into v_locked from public.credits_lock_hold(p_request_id, 'no hold with request id');
  v_account := v_locked.o_account;
  v_hold := v_locked.o_hold;
  v_user_id := v_hold.user_id;

  if v_hold.status = 'settled' then
    if v_hold.requested <> p_amount or v_hold.provider <> p_provider then
      raise exception 'hold % was already settled for % credits of %, not % of %',
          p_request_id, v_hold.requested, coalesce(v_hold.provider, 'no provider'), p_amount, p_provider
        using errcode = 'ZC409';
    end if;
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
  set status = 'settled', charged = v_charge, requested = p_amount, provider = p_provider,
      ledger_id = v_row.id, resolved_at = now()
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
  if p_amount is not null then
    perform public.credits_check_amount('refund', p_amount, 1);
  end if;
  perform public.credits_check_object('metadata', p_metadata);

  select * into v_locked from public.credits_lock_hold(p_charge_request_id, 'no charge with request id');
  v_account := v_locked.o_account;
  v_hold := v_locked.o_hold;
  v_user_id := v_hold.user_id;

  select * into v_row from public.credits_ledger where kind = 'refund' and request_id = p_request_id;
  if found then
    if v_row.refund_of is distinct from v_hold.ledger_id or v_row.delta <> coalesce(p_amount, v_row.delta) then
      raise exception 'refund request id % was already used for a different refund', p_request_id
        using errcode = 'ZC409';
    end if;
    return public.credits_result(v_row.id, p_request_id, v_user_id, 'refunded', v_row.delta, v_account, true);
  end if;

  if v_hold.status <> 'settled' or v_hold.ledger_id is null then
    raise exception 'request % has no charge to refund', p_charge_request_id using errcode = 'ZC409';
  end if;

  v_amount := coalesce(p_amount, v_hold.charged - v_hold.refunded);
  if v_amount > v_hold.charged - v_hold.refunded or v_amount = 0 then
    raise exception 'refund of % exceeds the % credits left to refund on %',
        v_amount, v_hold.charged - v_hold.refunded, p_charge_request_id
      using errcode = 'ZC422';
  end if;

  select * into v_charge from public.credits_ledger where id = v_hold.ledger_id;

  -- Another user's refund with this id may be committing right now: its row wins, this one is a conflict.
  insert into public.credits_ledger (user_id, delta, provider, units, reason, metadata, request_id, kind, refund_of)
  values (v_user_id, v_amount, v_charge.provider, '{}'::jsonb, coalesce(p_reason, 'refund'),
          coalesce(p_metadata, '{}'::jsonb), p_request_id, 'refund', v_charge.id)
  on conflict (kind, request_id) do nothing
  returning * into v_row;
  if not found then
    raise exception 'refund request id % was already used for a different refund', p_request_id using errcode = 'ZC409';
  end if;

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

-- A hold lives as long as one model call (seconds to a few minutes); releasing younger ones
-- would free credits a running call is about to be charged.
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
  if p_older_than is null or p_older_than < interval '5 minutes' then
    raise exception 'holds can be expired after 5 minutes at the earliest, got %', coalesce(p_older_than::text, 'null')
      using errcode = 'ZC400';
  end if;

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

revoke execute on function
  public.credits_check_amount(text, integer, integer),
  public.credits_check_object(text, jsonb),
  public.credits_check_provider(text, text)
  from public, anon, authenticated;
