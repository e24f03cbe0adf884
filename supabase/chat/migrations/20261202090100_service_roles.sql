-- Supabase A (chat): one role per service, holding only what that service does, so a leaked
-- connection string gives no more than its service needs (docs/database.md lists every grant, and
-- PrivilegeInventoryTests compares them with what the database holds).
--
-- The roles are made without LOGIN: a deployment gives each a password once
-- (alter role zmarty_api with login password '...'); the local AppHost does that itself. Row level
-- security stays on everywhere: instead of borrowing service_role's BYPASSRLS, each role gets a
-- policy on the tables it uses, so its reach is written down here.

do $$
declare
  v_role text;
begin
  foreach v_role in array array['zmarty_api', 'zmarty_worker', 'zmarty_admin'] loop
    if not exists (select 1 from pg_roles where rolname = v_role) then
      execute format('create role %I nologin', v_role);
    end if;
  end loop;
end
$$;

-- The owner check of user_symbols held every role under row level security to auth.uid(); the
-- service roles act for every user (their policies say so), so it now holds the roles a user's
-- token acts as. Its name and trigger stay.
create or replace function public.user_symbols_check_owner()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  -- Nested: a condition is planned whole, and a service role may not even look up auth.uid().
  if current_user in ('anon', 'authenticated') then
    if new.user_id is distinct from (select auth.uid()) then
      raise exception 'new row violates row-level security policy for table "%"', tg_table_name
        using errcode = '42501';
    end if;
  end if;
  return new;
end;
$$;

-- The Api: profiles and watched symbols (POST /chat, /me/*), credits through the credit functions,
-- Idempotency-Key records and voice replies, and the reconcile command's read of every symbol.
grant select on public.user_profiles to zmarty_api;
grant select, insert, delete on public.user_symbols to zmarty_api;
grant select on public.credit_accounts, public.credits_ledger, public.credit_balance to zmarty_api;
grant select, insert, update on public.chat_requests to zmarty_api;
grant select, insert on public.chat_audio to zmarty_api;
grant execute on function
  public.credits_hold(uuid, integer, text, jsonb),
  public.credits_settle(text, integer, text, jsonb, text, jsonb),
  public.credits_release(text),
  public.credits_release_expired(interval),
  public.chat_prune(interval, interval)
  to zmarty_api;

create policy zmarty_api_reads_profiles on public.user_profiles for select to zmarty_api using (true);
create policy zmarty_api_manages_symbols on public.user_symbols for all to zmarty_api using (true) with check (true);
create policy zmarty_api_reads_accounts on public.credit_accounts for select to zmarty_api using (true);
create policy zmarty_api_reads_ledger on public.credits_ledger for select to zmarty_api using (true);
create policy zmarty_api_keeps_requests on public.chat_requests for all to zmarty_api using (true) with check (true);
create policy zmarty_api_keeps_audio on public.chat_audio for all to zmarty_api using (true) with check (true);

-- The Worker's relay: claims, marks and prunes the symbol outbox (and LISTENs, which needs no grant).
grant select, update, delete on public.user_symbols_outbox to zmarty_worker;
grant execute on function
  public.user_symbols_outbox_row_key(jsonb),
  public.user_symbols_outbox_key(jsonb),
  public.user_symbols_outbox_moved_from(jsonb)
  to zmarty_worker;
create policy zmarty_worker_relays_outbox on public.user_symbols_outbox for all to zmarty_worker using (true) with check (true);

-- The AdminUi's Pipeline page: the outbox's state and today's charges.
grant select on public.user_symbols_outbox, public.credits_ledger to zmarty_admin;
create policy zmarty_admin_reads_outbox on public.user_symbols_outbox for select to zmarty_admin using (true);
create policy zmarty_admin_reads_ledger on public.credits_ledger for select to zmarty_admin using (true);
