-- Supabase B (trading): a provider key's rate limit held across every Worker (docs/pipeline.md,
-- "Several Workers, one key").
--
-- Cryptometer's free plan allows 10 calls per 5 s per key. Each Worker kept its own window, so N Workers
-- holding the same key sent N times that. The window now lives here, beside the monthly budget:
-- 1. ops.provider_windows: per provider, the calls of its current window and the pause after a 429.
-- 2. ops.take_provider_slot takes a place in the window and spends one call of the month's budget in one
--    round trip, under one row lock per provider, so concurrent Workers never exceed the permits.
-- 3. ops.pause_provider: a Retry-After one Worker is given holds every Worker back.
-- ops.spend_provider_call stays as it was: take_provider_slot spends through it, and the previous release's
-- Workers still call it during a rolling deploy.

create table ops.provider_windows (
  provider text primary key,
  -- The calls of the current window, oldest first, as the database's clock saw them taken. Pruned on every
  -- take, and a call is added only below the permits: never more entries than the permits asked with.
  sent timestamptz[] not null default '{}',
  -- After a 429: no call with this key before then, from any Worker.
  paused_until timestamptz,
  updated_at timestamptz not null default now()
);
alter table ops.provider_windows enable row level security;

-- Takes a place for one call of p_provider: at most p_permits calls in any p_window, and, when p_budget
-- is above 0, one call of the month's budget (ops.spend_provider_call).
--   retry_after not null: nothing was taken; the key is paused or its window is full, and a place frees
--     this long from now (an interval, not a time, so a Worker's clock need not agree with this one).
--   allowed true: the place is taken and the call counted (calls: the month's count, null without a budget).
--   allowed false: the budget is spent; no place was taken, as no call will be made.
-- p_permits 0 means no rate limit (only the budget); p_budget 0 means no budget. The window's row lock
-- is always taken before the budget's, so the two never deadlock.
create function ops.take_provider_slot(p_provider text, p_permits integer, p_window interval, p_budget bigint)
returns table (retry_after interval, allowed boolean, calls bigint)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_sent timestamptz[];
  v_paused_until timestamptz;
  v_now timestamptz;
begin
  if p_provider is null or p_permits is null or p_permits < 0 or p_budget is null or p_budget < 0
     or (p_permits > 0 and (p_window is null or p_window <= interval '0')) then
    raise exception 'a provider, permits and a budget of 0 or more, and a window above 0 with permits are required, got %, %, %, %',
      p_provider, p_permits, p_window, p_budget using errcode = '22023';
  end if;

  if p_permits > 0 then
    insert into ops.provider_windows (provider) values (p_provider) on conflict (provider) do nothing;
    select w.sent, w.paused_until into v_sent, v_paused_until
    from ops.provider_windows w
    where w.provider = p_provider
    for update;
    -- Read after the lock: the time the place is taken, not the time this call began waiting for it.
    v_now := clock_timestamp();

    if v_paused_until > v_now then
      return query select v_paused_until - v_now, null::boolean, null::bigint;
      return;
    end if;

    v_sent := array(select s from unnest(v_sent) s where s > v_now - p_window order by s);
    if cardinality(v_sent) >= p_permits then
      -- A place frees when the call p_permits places before the newest leaves the window. Nothing is
      -- written: the next take prunes the same calls itself.
      return query select v_sent[cardinality(v_sent) - p_permits + 1] + p_window - v_now, null::boolean, null::bigint;
      return;
    end if;
  end if;

  allowed := true;
  if p_budget > 0 then
    select s.allowed, s.calls into allowed, calls from ops.spend_provider_call(p_provider, p_budget) s;
  end if;

  if allowed and p_permits > 0 then
    update ops.provider_windows w
    set sent = v_sent || v_now, updated_at = v_now
    where w.provider = p_provider;
  end if;
  return next;
end;
$$;

-- Holds every caller of p_provider back for p_for from now; a pause already longer is kept.
create function ops.pause_provider(p_provider text, p_for interval)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  if p_provider is null or p_for is null or p_for <= interval '0' then
    raise exception 'a provider and a pause above 0 are required, got % and %', p_provider, p_for using errcode = '22023';
  end if;

  insert into ops.provider_windows as w (provider, paused_until)
  values (p_provider, clock_timestamp() + p_for)
  on conflict (provider) do update
    set paused_until = greatest(w.paused_until, excluded.paused_until), updated_at = now();
end;
$$;

revoke execute on function ops.take_provider_slot(text, integer, interval, bigint) from public;
revoke execute on function ops.pause_provider(text, interval) from public;
grant execute on function ops.take_provider_slot(text, integer, interval, bigint) to zmarty_worker;
grant execute on function ops.pause_provider(text, interval) to zmarty_worker;
