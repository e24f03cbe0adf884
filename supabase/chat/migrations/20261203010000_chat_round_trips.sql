-- Supabase A (chat): POST /chat in two calls to A instead of four to six.
--
--   * user_context(user): a user's profile, spendable credits and active symbols, the one read of
--     them that the chat and GET /me/signals share.
--   * chat_begin: that read, and, when the profile is still the one the Api priced the request
--     with, the Idempotency-Key claim and the first provider's hold, in one statement.
--   * chat_settle: the charge, and the key's stored reply, in one transaction: a key is completed
--     exactly when its reply is charged.
--   * chat_requests.run_id: the run that holds a key, so that only that run may complete or fail it
--     (a request that lost its connection to A cannot tell whether its claim was written).
--
-- All three run as their caller (the Api's role), through grants it already has: they add no
-- privilege, only fewer round trips.

alter table public.chat_requests add column run_id text;

comment on column public.chat_requests.attempt is
  'How many runs this key has had (a retry after a failure without a charge is a new run).';
comment on column public.chat_requests.run_id is
  'The run that holds the key: the prefix of its credit request ids, chat:{user}:{key}:{run}.';

-- PL/pgSQL rather than SQL: PostgreSQL 15 plans a SQL function's query on every call, and keeps a
-- PL/pgSQL function's plan for the session.
create function public.user_context(p_user_id uuid)
returns table (
  tier text,
  max_tokens_per_request integer,
  max_requests_per_minute integer,
  balance bigint,
  available bigint,
  symbols text[],
  timeframes text[]
)
language plpgsql
stable
set search_path = ''
as $$
begin
  return query
  select p.tier, p.max_tokens_per_request, p.max_requests_per_minute,
         coalesce(a.balance, 0)::bigint, coalesce(a.balance - a.held, 0)::bigint,
         coalesce(array_agg(s.symbol order by s.symbol, s.timeframe) filter (where s.id is not null), '{}'),
         coalesce(array_agg(s.timeframe order by s.symbol, s.timeframe) filter (where s.id is not null), '{}')
  from public.user_profiles p
  left join public.credit_accounts a on a.user_id = p.id
  left join public.user_symbols s on s.user_id = p.id and s.active
  where p.id = p_user_id
  group by p.id, a.user_id;
end;
$$;

-- Outcome: 'read' (the profile differs from what the request was priced with: nothing written),
-- 'held', or, for a key that was not claimed, 'replay' (with the stored reply), 'in_progress' or
-- 'different_body'. No row: no profile. The profile columns are read before the hold; balance and
-- available are after it. A hold that does not fit raises credits_hold's ZC402 (detail: balance,
-- available, required): the call fails whole, the key's claim with it, so nothing is written.
create function public.chat_begin(
  p_user_id uuid,
  p_symbols text[],
  p_expected_tier text,
  p_expected_max_tokens integer,
  p_expected_requests_per_minute integer,
  p_expected_selected integer,
  p_hold_amount integer,
  p_hold_request_id text,
  p_hold_metadata jsonb,
  p_idempotency_key text,
  p_request_hash text,
  p_run_id text,
  p_pending_expiry interval
)
returns table (
  outcome text,
  tier text,
  max_tokens_per_request integer,
  max_requests_per_minute integer,
  balance bigint,
  available bigint,
  symbols text[],
  timeframes text[],
  response jsonb
)
language plpgsql
set search_path = ''
as $$
declare
  v_selected integer;
  v_request record;
  v_hold public.credit_result;
begin
  select * into tier, max_tokens_per_request, max_requests_per_minute, balance, available, symbols, timeframes
  from public.user_context(p_user_id);
  if not found then
    return;
  end if;

  select count(*) into v_selected from unnest(symbols) as s (symbol) where p_symbols is null or s.symbol = any (p_symbols);
  if p_expected_tier is distinct from tier
     or p_expected_max_tokens is distinct from max_tokens_per_request
     or p_expected_requests_per_minute is distinct from max_requests_per_minute
     or p_expected_selected is distinct from v_selected
     or not (p_symbols is null or p_symbols <@ symbols) then
    outcome := 'read';
    return next;
    return;
  end if;

  if p_idempotency_key is not null then
    -- A pending row older than a hold's lifetime belongs to a request that died; its hold is released by now.
    insert into public.chat_requests as r (user_id, idempotency_key, request_hash, run_id)
    values (p_user_id, p_idempotency_key, p_request_hash, p_run_id)
    on conflict (user_id, idempotency_key) do update
      set attempt = r.attempt + 1, status = 'pending', response = null, run_id = excluded.run_id, updated_at = now()
      where r.request_hash = excluded.request_hash
        and (r.status = 'failed' or (r.status = 'pending' and r.updated_at < now() - p_pending_expiry));
    if not found then
      select r.request_hash, r.status, r.response into v_request
      from public.chat_requests r
      where r.user_id = p_user_id and r.idempotency_key = p_idempotency_key;
      outcome := case
        when v_request.request_hash is distinct from p_request_hash then 'different_body'
        when v_request.status = 'completed' and v_request.response is not null then 'replay'
        else 'in_progress'
      end;
      response := case when outcome = 'replay' then v_request.response end;
      return next;
      return;
    end if;
  end if;

  v_hold := public.credits_hold(p_user_id, p_hold_amount, p_hold_request_id, p_hold_metadata);
  outcome := 'held';
  balance := v_hold.balance;
  available := v_hold.available;
  return next;
end;
$$;

-- The chat's reply is stored with what the charge returned, so a replay tells the same figures.
create function public.chat_settle(
  p_request_id text,
  p_amount integer,
  p_provider text,
  p_units jsonb,
  p_metadata jsonb,
  p_idempotency_key text,
  p_run_id text,
  p_response jsonb
)
returns public.credit_result
language plpgsql
set search_path = ''
as $$
declare
  v_result public.credit_result;
begin
  v_result := public.credits_settle(p_request_id, p_amount, p_provider, p_units, 'chat', p_metadata);
  if p_idempotency_key is not null then
    update public.chat_requests r
    set status = 'completed',
        response = p_response || jsonb_build_object('credits_charged', v_result.amount, 'credits_remaining', v_result.available),
        updated_at = now()
    where r.user_id = v_result.user_id and r.idempotency_key = p_idempotency_key and r.run_id = p_run_id;
  end if;
  return v_result;
end;
$$;

revoke execute on function
  public.user_context(uuid),
  public.chat_begin(uuid, text[], text, integer, integer, integer, integer, text, jsonb, text, text, text, interval),
  public.chat_settle(text, integer, text, jsonb, jsonb, text, text, jsonb)
  from public, anon, authenticated;
grant execute on function
  public.user_context(uuid),
  public.chat_begin(uuid, text[], text, integer, integer, integer, integer, text, jsonb, text, text, text, interval),
  public.chat_settle(text, integer, text, jsonb, jsonb, text, text, jsonb)
  to service_role, zmarty_api;
