-- Supabase A (chat): every change of a watched symbol can make B ingest market data, which spends
-- a provider budget all users share, and authenticated users may write user_symbols through
-- PostgREST directly, past any limit of the Api. So A itself holds each user to at most 150 symbol
-- changes (inserts, deletes, updates that change something) per hour, counted from the first
-- change of the window: past that, ZS429 until the window ends, which the Api answers with 429.
-- It applies to what users drive, PostgREST (anon, authenticated) and the Api (zmarty_api); the
-- owner, service_role and the other services (migrations, reconcile, operators) are not counted.
-- A refused change is rolled back with its count, so retrying early does not lengthen the wait.

create table public.user_symbol_change_windows (
  user_id uuid primary key references auth.users (id) on delete cascade,
  window_start timestamptz not null,
  changes integer not null check (changes >= 0)
);
alter table public.user_symbol_change_windows enable row level security;
revoke all on public.user_symbol_change_windows from anon, authenticated;

create function public.user_symbols_limit_changes()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := case when tg_op = 'DELETE' then old.user_id else new.user_id end;
  v_changes integer;
  v_start timestamptz;
  c_limit constant integer := 150;
  c_window constant interval := interval '1 hour';
begin
  -- A definer runs as its owner, but the session's role (PostgREST's SET ROLE) and login stay the caller's.
  if not (coalesce(current_setting('role', true), 'none') in ('anon', 'authenticated') or session_user = 'zmarty_api') then
    return case when tg_op = 'DELETE' then old else new end;
  end if;

  -- An update that changes nothing a user sets is no change (it leaves no outbox event either).
  if tg_op = 'UPDATE' and (new.user_id, new.symbol, new.timeframe, new.strategy, new.active)
      is not distinct from (old.user_id, old.symbol, old.timeframe, old.strategy, old.active) then
    return new;
  end if;

  insert into public.user_symbol_change_windows as w (user_id, window_start, changes)
  values (v_user, now(), 1)
  on conflict (user_id) do update
    set window_start = case when w.window_start <= now() - c_window then now() else w.window_start end,
        changes = case when w.window_start <= now() - c_window then 1 else w.changes + 1 end
  returning w.changes, w.window_start into v_changes, v_start;

  if v_changes > c_limit then
    raise exception 'too many symbol changes: at most % per user per hour', c_limit
      using errcode = 'ZS429',
        detail = format('the window started at %s; changes are accepted again from %s', v_start, v_start + c_window),
        hint = 'wait for the window to end';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end;
$$;

revoke execute on function public.user_symbols_limit_changes() from public, anon, authenticated;

-- After the owner check (a row of another user is refused before it is counted), before the tier's limits.
create trigger user_symbols_15_limit_changes
  before insert or update or delete on public.user_symbols
  for each row execute function public.user_symbols_limit_changes();
