-- Supabase A (chat): a chat's charge apart from its reply's copy (issue 31).
--
-- chat_settle charged a keyed run and stored its reply in one statement, so a reply A could not store (a U+0000,
-- which jsonb refuses with 22P05) failed the charge too, after every token had been delivered. The Api now cleans
-- what it stores, and when A still refuses the copy it calls chat_settle again with p_response null: the charge
-- alone, and the key completed without a reply. chat_begin answers such a key 'not_kept' (the Api's 410
-- reply_not_kept), not 'in_progress' for ever, and never runs it again.
--
-- No exception block: entering one starts a subtransaction on every chat, and the case it would catch costs the
-- Api a second round trip only when it happens. Same signatures, so the grants stay as they are.

create or replace function public.chat_begin(
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
        when v_request.status = 'completed' then 'not_kept'
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

-- The chat's reply is stored with what the charge returned, so a replay tells the same figures; a null p_response
-- completes the key without one.
create or replace function public.chat_settle(
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
        response = case
          when p_response is not null
          then p_response || jsonb_build_object('credits_charged', v_result.amount, 'credits_remaining', v_result.available)
        end,
        updated_at = now()
    where r.user_id = v_result.user_id and r.idempotency_key = p_idempotency_key and r.run_id = p_run_id;
  end if;
  return v_result;
end;
$$;

comment on function public.chat_settle(text, integer, text, jsonb, jsonb, text, text, jsonb) is
  'A chat''s charge and, for a keyed run, its key completed with the reply (p_response; null: without one: not_kept).';
