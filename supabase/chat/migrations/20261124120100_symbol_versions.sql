-- Supabase A (chat): user_symbols, hardened for the symbol sync.
--
--   * id is an identity column: inserting needs no right on a sequence, and nobody picks an id.
--   * version orders the changes of one (user_id, symbol, timeframe) as they commit, for the
--     receiver in B (updated_at cannot: it is now(), the transaction's start, so a transaction that
--     began first but committed last would look older than the change before it).
--   * A user writing another user's row gets 42501 before any other check runs, so the tier-limit
--     check can neither tell them about the other user's symbols nor lock the other's profile.
--   * Every tier has a bound on all its rows, paused ones included, and strategy a size bound:
--     each change becomes an outbox event and a webhook.
--   * An update that changes nothing keeps its version and writes no outbox event.
-- The payload and the ordering rule are in docs/database.md ("Outbox").

alter table public.user_symbols alter column id drop default;
drop sequence public.user_symbols_id_seq;
alter table public.user_symbols alter column id add generated always as identity;
select setval(pg_get_serial_sequence('public.user_symbols', 'id'), coalesce(max(id), 0) + 1, false)
from public.user_symbols;

-- One sequence for every version: a value is never reused, not even by a symbol deleted and
-- added again, so the receiver can compare versions across a row's delete and re-insert.
create sequence public.user_symbols_version_seq as bigint;
-- The volatile default numbers the existing rows without firing triggers; the stamp trigger
-- sets the column from here on.
alter table public.user_symbols add column version bigint not null default nextval('public.user_symbols_version_seq');
alter table public.user_symbols alter column version drop default;
alter sequence public.user_symbols_version_seq owned by public.user_symbols.version;

-- How many symbols a tier may watch at once (active_limit, null = unlimited) and keep in all,
-- paused ones included (total_limit). Blueprint: free 1, pro 10, enterprise unlimited.
create function public.tier_symbol_limits(p_tier text, out active_limit integer, out total_limit integer)
language sql
immutable
set search_path = ''
as $$
  select
    case p_tier when 'free' then 1 when 'pro' then 10 when 'enterprise' then null else 0 end,
    case p_tier when 'free' then 20 when 'pro' then 50 when 'enterprise' then 500 else 0 end;
$$;

-- Serialises, until commit, every transaction that inserts, deletes or re-keys a row of one
-- (user_id, symbol, timeframe), so that each takes its version after the previous one committed.
-- Updates that keep the key are already serialised by the row lock. Keys are locked in hash
-- order, so two re-keying updates cannot deadlock on them.
create function public.user_symbols_lock_keys(variadic p_keys text[])
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_hash integer;
begin
  foreach v_hash in array (select array_agg(distinct hashtext(k) order by hashtext(k)) from unnest(p_keys) k) loop
    perform pg_advisory_xact_lock(hashtext('public.user_symbols'), v_hash);
  end loop;
end;
$$;

-- Runs first, as the caller: where row level security applies, a row must be the caller's own,
-- exactly what the insert and update policies check, but before the other triggers look at it.
create function public.user_symbols_check_owner()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if row_security_active(tg_relid) and new.user_id is distinct from (select auth.uid()) then
    raise exception 'new row violates row-level security policy for table "%"', tg_table_name
      using errcode = '42501';
  end if;
  return new;
end;
$$;

-- Tier limits and the strategy bound. The profile row is locked first, so two concurrent inserts
-- by the same user are serialised and cannot both pass a count. SECURITY DEFINER because the
-- user's role may not lock the profile row (it has no update right on tier).
create or replace function public.enforce_symbol_limit()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_tier text;
  v_limits record;
  v_total integer;
  v_active integer;
begin
  if (tg_op = 'INSERT' or new.strategy is distinct from old.strategy)
     and (jsonb_typeof(new.strategy) is distinct from 'object' or octet_length(new.strategy::text) > 4096) then
    raise exception 'strategy must be a JSON object of at most 4096 bytes, got % of % bytes',
        coalesce(jsonb_typeof(new.strategy), 'null'), octet_length(new.strategy::text)
      using errcode = 'ZS400';
  end if;

  -- Only an insert, a move to another user or an activation can add to a user's counts.
  if tg_op = 'UPDATE' and new.user_id = old.user_id and (old.active or not new.active) then
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

  select * into v_limits from public.tier_symbol_limits(v_tier);

  -- The row's own key is left out: inserting a key the user already has is either an upsert's
  -- first step (its update then counts) or a duplicate the unique constraint refuses.
  select count(*), count(*) filter (where s.active)
  into v_total, v_active
  from public.user_symbols s
  where s.user_id = new.user_id
    and s.id <> new.id
    and (s.symbol, s.timeframe) <> (new.symbol, new.timeframe);

  if (tg_op = 'INSERT' or new.user_id <> old.user_id) and v_total >= v_limits.total_limit then
    raise exception 'symbol limit reached: tier % keeps at most % symbols, active or paused', v_tier, v_limits.total_limit
      using errcode = 'ZS403',
        detail = format('the user already has %s symbol(s)', v_total),
        hint = 'delete a symbol, or upgrade the tier';
  end if;

  if new.active and v_active >= v_limits.active_limit then
    raise exception 'symbol limit reached: tier % allows % watched symbol%', v_tier, v_limits.active_limit,
        case when v_limits.active_limit = 1 then '' else 's' end
      using errcode = 'ZS403',
        detail = format('the user already watches %s active symbol(s)', v_active),
        hint = 'deactivate or delete a symbol, or upgrade the tier';
  end if;
  return new;
end;
$$;

-- Runs last: what only the server sets. created_at, id and (for a change) version and updated_at.
create function public.user_symbols_stamp()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' then
    -- The delete's version is taken by the outbox trigger, still under this lock.
    perform public.user_symbols_lock_keys(concat_ws('/', old.user_id, old.symbol, old.timeframe));
    return old;
  end if;

  if tg_op = 'INSERT' then
    perform public.user_symbols_lock_keys(concat_ws('/', new.user_id, new.symbol, new.timeframe));
    new.created_at := now();
  else
    new.id := old.id;
    new.created_at := old.created_at;
    new.updated_at := old.updated_at;
    new.version := old.version;
    if new is not distinct from old then
      return new;
    end if;
    if (new.user_id, new.symbol, new.timeframe) is distinct from (old.user_id, old.symbol, old.timeframe) then
      perform public.user_symbols_lock_keys(
        concat_ws('/', old.user_id, old.symbol, old.timeframe),
        concat_ws('/', new.user_id, new.symbol, new.timeframe));
    end if;
  end if;

  new.version := nextval('public.user_symbols_version_seq');
  new.updated_at := now();
  return new;
end;
$$;

-- The Supabase database-webhook payload plus the change's version. A delete has no new row to
-- carry one, so it takes the next value here, above the deleted row's version.
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
    'old_record', case when tg_op = 'INSERT' then null else to_jsonb(old) end,
    'version', case when tg_op = 'DELETE' then nextval('public.user_symbols_version_seq') else new.version end
  ));
  return null;
end;
$$;

-- BEFORE row triggers fire in name order: owner check, then limits, then the stamp.
drop trigger user_symbols_set_updated_at on public.user_symbols;
drop trigger user_symbols_enforce_limit on public.user_symbols;
drop trigger user_symbols_outbox on public.user_symbols;

create trigger user_symbols_10_check_owner
  before insert or update on public.user_symbols
  for each row execute function public.user_symbols_check_owner();

create trigger user_symbols_20_enforce_limits
  before insert or update on public.user_symbols
  for each row execute function public.enforce_symbol_limit();

create trigger user_symbols_30_stamp
  before insert or update or delete on public.user_symbols
  for each row execute function public.user_symbols_stamp();

create trigger user_symbols_outbox
  after insert or delete on public.user_symbols
  for each row execute function public.user_symbols_to_outbox();

-- The stamp keeps a no-op update's row identical, version included, so it leaves no event.
create trigger user_symbols_outbox_update
  after update on public.user_symbols
  for each row
  when (old.* is distinct from new.*)
  execute function public.user_symbols_to_outbox();

drop function public.tier_symbol_limit(text);

revoke execute on function
  public.tier_symbol_limits(text),
  public.user_symbols_lock_keys(text[]),
  public.user_symbols_check_owner(),
  public.user_symbols_stamp()
  from public, anon, authenticated;
