-- Supabase A (chat): conversations (issue 32). A chat belongs to a conversation, and the model is sent its earlier
-- turns, newest kept, within the tier's history budget.
--
-- A message exists exactly when its charge does: chat_settle writes the question and the reply (what was delivered,
-- marked partial when the stream was cut) in the transaction that writes the ledger row, and a settle replayed with
-- the same request id adds nothing. A conversation row is written there too, so a chat that fails leaves nothing.
-- chat_begin reads the history in the call that claims the key and makes the hold: still two calls to A a chat, and
-- still no exception block (a subtransaction on every chat).

create table public.conversations (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  title text not null check (char_length(title) between 1 and 200),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  archived boolean not null default false
);

-- Keyset pages of one user's conversations, most recently active first; and the retention's scan.
create index conversations_user_updated_idx on public.conversations (user_id, updated_at desc, id desc);
create index conversations_updated_idx on public.conversations (updated_at);

create table public.conversation_messages (
  id bigint generated always as identity primary key,
  conversation_id uuid not null references public.conversations (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role text not null check (role in ('user', 'assistant')),
  -- A question is bounded by the 64 KiB body, a reply by the tier's max output tokens; the Api cuts anything past this.
  content text not null check (octet_length(content) <= 262144),
  -- Tokens of content alone (o200k_base, counted by the Api): what the history budget is spent in.
  content_tokens integer not null check (content_tokens >= 0),
  provider text,
  model text,
  input_tokens integer,
  output_tokens integer,
  credits integer,
  request_id text not null,
  partial boolean not null default false,
  created_at timestamptz not null default now(),
  unique (request_id, role)
);

create index conversation_messages_conversation_idx on public.conversation_messages (conversation_id, id desc);
create index conversation_messages_user_idx on public.conversation_messages (user_id, created_at);

comment on table public.conversations is 'A user''s chats, each a conversation; written by chat_settle only.';
comment on table public.conversation_messages is
  'What the user saw: each charged chat''s question and reply (partial: the delivered part of a cut stream).';

-- Users read and delete their own; nobody but the service writes.
alter table public.conversations enable row level security;
alter table public.conversation_messages enable row level security;
revoke all on public.conversations, public.conversation_messages from anon, authenticated;
grant select, delete on public.conversations, public.conversation_messages to authenticated;
create policy conversations_owner_reads on public.conversations
  for select to authenticated using (user_id = (select auth.uid()));
create policy conversations_owner_deletes on public.conversations
  for delete to authenticated using (user_id = (select auth.uid()));
create policy conversation_messages_owner_reads on public.conversation_messages
  for select to authenticated using (user_id = (select auth.uid()));
create policy conversation_messages_owner_deletes on public.conversation_messages
  for delete to authenticated using (user_id = (select auth.uid()));

-- The Api: chat_settle writes (as its caller), /me/conversations reads, renames, archives and deletes.
grant select, insert, delete on public.conversations, public.conversation_messages to zmarty_api;
grant update (title, archived, updated_at) on public.conversations to zmarty_api;
create policy zmarty_api_keeps_conversations on public.conversations for all to zmarty_api using (true) with check (true);
create policy zmarty_api_keeps_conversation_messages on public.conversation_messages
  for all to zmarty_api using (true) with check (true);

-- New signatures (a conversation and its history budget; the turn to store), so the old ones go with their grants.
drop function public.chat_begin(uuid, text[], text, integer, integer, integer, integer, text, jsonb, text, text, text, interval);
drop function public.chat_settle(text, integer, text, jsonb, jsonb, text, text, jsonb);

-- As 20261207130000_settle_apart.sql, and: p_conversation_id (null: a new conversation, no history) must be the user's,
-- checked before anything is written ('no_conversation'); once held, the newest turns whose content_tokens (+ 4 a
-- message) fit p_history_tokens come back in history, oldest first.
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
  p_pending_expiry interval,
  p_conversation_id uuid,
  p_history_tokens integer
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
  response jsonb,
  history jsonb
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

  -- Someone else's conversation is answered as an unknown one: its existence is not the caller's to learn.
  if p_conversation_id is not null and not exists (
    select 1 from public.conversations c where c.id = p_conversation_id and c.user_id = p_user_id) then
    outcome := 'no_conversation';
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

  -- The running total over the newest messages first is monotonic, so the kept ones are the newest; the limit bounds
  -- the read whatever the budget (a message costs at least 4).
  history := '[]'::jsonb;
  if p_conversation_id is not null and coalesce(p_history_tokens, 0) > 0 then
    select coalesce(jsonb_agg(jsonb_build_object('role', m.role, 'content', m.content) order by m.id), '[]'::jsonb)
    into history
    from (
      select h.id, h.role, h.content, sum(h.content_tokens + 4) over (order by h.id desc) as running
      from public.conversation_messages h
      where h.conversation_id = p_conversation_id and h.user_id = p_user_id
      order by h.id desc
      limit least(p_history_tokens / 4, 2000)
    ) m
    where m.running <= p_history_tokens;
  end if;
  return next;
end;
$$;

-- As 20261207130000_settle_apart.sql, and the turn, in the charge's transaction: the conversation (created with
-- p_title when it is new, else touched), the question and the reply with the charge's figures. A replay of the same
-- request id conflicts on (request_id, role) and adds nothing.
create function public.chat_settle(
  p_request_id text,
  p_amount integer,
  p_provider text,
  p_units jsonb,
  p_metadata jsonb,
  p_idempotency_key text,
  p_run_id text,
  p_response jsonb,
  p_conversation_id uuid,
  p_title text,
  p_question text,
  p_question_tokens integer,
  p_answer text,
  p_answer_tokens integer,
  p_partial boolean
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

  if p_conversation_id is not null then
    -- Another user's row (never, with the Api's random ids) is left alone, and gets no messages.
    insert into public.conversations as c (id, user_id, title)
    values (p_conversation_id, v_result.user_id, p_title)
    on conflict (id) do update set updated_at = now() where c.user_id = excluded.user_id;
    if found then
      insert into public.conversation_messages (
        conversation_id, user_id, role, content, content_tokens, provider, model, input_tokens, output_tokens, credits,
        request_id, partial)
      values
        (p_conversation_id, v_result.user_id, 'user', p_question, p_question_tokens, null, null, null, null, null,
         p_request_id, false),
        (p_conversation_id, v_result.user_id, 'assistant', p_answer, p_answer_tokens, p_provider, p_metadata ->> 'model',
         (p_units ->> 'input_tokens')::integer, (p_units ->> 'output_tokens')::integer, v_result.amount,
         p_request_id, coalesce(p_partial, false))
      on conflict (request_id, role) do nothing;
    end if;
  end if;
  return v_result;
end;
$$;

comment on function public.chat_settle(
  text, integer, text, jsonb, jsonb, text, text, jsonb, uuid, text, text, integer, text, integer, boolean) is
  'A chat''s charge, its conversation turn, and, for a keyed run, its key completed with the reply (p_response; '
  'null: without one: not_kept).';

-- Conversations untouched for longer than p_older_than, with their messages; the ledger keeps its rows. Apart from
-- chat_prune so that function keeps its signature.
create function public.conversations_prune(p_older_than interval)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count bigint;
begin
  if p_older_than is null or p_older_than < interval '1 day' then
    raise exception 'conversations are kept at least 1 day, got %', coalesce(p_older_than::text, 'null')
      using errcode = 'ZC400';
  end if;

  delete from public.conversations c where c.updated_at < now() - p_older_than;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

revoke execute on function
  public.chat_begin(uuid, text[], text, integer, integer, integer, integer, text, jsonb, text, text, text, interval, uuid, integer),
  public.chat_settle(text, integer, text, jsonb, jsonb, text, text, jsonb, uuid, text, text, integer, text, integer, boolean),
  public.conversations_prune(interval)
  from public, anon, authenticated;
grant execute on function
  public.chat_begin(uuid, text[], text, integer, integer, integer, integer, text, jsonb, text, text, text, interval, uuid, integer),
  public.chat_settle(text, integer, text, jsonb, jsonb, text, text, jsonb, uuid, text, text, integer, text, integer, boolean),
  public.conversations_prune(interval)
  to service_role, zmarty_api;
