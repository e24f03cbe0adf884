-- Supabase A (chat): wake the Worker's relay as soon as a symbol change commits, instead of at its
-- next poll. NOTIFY is delivered at commit (never for a rolled-back change), and notifications of
-- one channel and payload are folded into one per transaction, so a transaction that changes many
-- symbols wakes the relay once. The relay still polls: a notification sent while it was not
-- listening is not kept (docs/database.md, "Outbox").

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

revoke execute on function public.user_symbols_outbox_notify() from public, anon, authenticated;

create trigger user_symbols_outbox_notify
  after insert on public.user_symbols_outbox
  for each statement execute function public.user_symbols_outbox_notify();
