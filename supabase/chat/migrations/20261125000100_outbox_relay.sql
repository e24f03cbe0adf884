-- Supabase A (chat): what the Worker's relay needs from user_symbols_outbox (docs/database.md, "Outbox").
--
--   * A notification at commit, so the relay wakes as soon as a symbol change is in, instead of at
--     its next poll. NOTIFY is sent at commit (never for a rolled-back change) and folded into one
--     per transaction and payload. The relay still polls: a notification sent while it was not
--     listening is not kept.
--   * The key of each undelivered event, indexed, so that the relay can hand out only the oldest
--     undelivered event of each (user_id, symbol, timeframe) without reading every pending payload:
--     the cost of a claim then follows the batch size, not the backlog.

create function public.user_symbols_outbox_notify()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform pg_notify('user_symbols_outbox', '');
  return null;
end;
$$;

create trigger user_symbols_outbox_notify
  after insert on public.user_symbols_outbox
  for each statement execute function public.user_symbols_outbox_notify();

-- (user_id, symbol, timeframe) of one row of a payload, as text; null when there is no row.
create function public.user_symbols_outbox_row_key(p_row jsonb)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case when jsonb_typeof(p_row) = 'object' then concat_ws('/', p_row ->> 'user_id', p_row ->> 'symbol', p_row ->> 'timeframe') end;
$$;

-- The key an event is about: record's, or old_record's for a delete; null for a payload without either.
create function public.user_symbols_outbox_key(p_payload jsonb)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select coalesce(public.user_symbols_outbox_row_key(p_payload -> 'record'), public.user_symbols_outbox_row_key(p_payload -> 'old_record'));
$$;

-- The second key of an update that moved a row to another key (old_record's); null for every other event.
create function public.user_symbols_outbox_moved_from(p_payload jsonb)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select nullif(public.user_symbols_outbox_row_key(p_payload -> 'old_record'), public.user_symbols_outbox_row_key(p_payload -> 'record'))
  where jsonb_typeof(p_payload -> 'record') = 'object';
$$;

create index user_symbols_outbox_pending_key_idx
  on public.user_symbols_outbox (public.user_symbols_outbox_key(payload), id)
  where delivered_at is null;

create index user_symbols_outbox_pending_moved_idx
  on public.user_symbols_outbox (public.user_symbols_outbox_moved_from(payload), id)
  where delivered_at is null and public.user_symbols_outbox_moved_from(payload) is not null;

revoke execute on function
  public.user_symbols_outbox_notify(),
  public.user_symbols_outbox_row_key(jsonb),
  public.user_symbols_outbox_key(jsonb),
  public.user_symbols_outbox_moved_from(jsonb)
  from public, anon, authenticated;

-- The relay's claim calls them (as service_role on a real project).
grant execute on function
  public.user_symbols_outbox_row_key(jsonb), public.user_symbols_outbox_key(jsonb), public.user_symbols_outbox_moved_from(jsonb)
  to service_role;
