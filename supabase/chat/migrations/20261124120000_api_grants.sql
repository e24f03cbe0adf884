-- Supabase A (chat): what the API roles may do, table by table and column by column.
--
-- Supabase grants anon, authenticated and service_role every privilege on every object postgres
-- creates in public (supabase/local/0001_roles.sql emulates it), and row level security decides
-- which rows. A security review found what that left open: authenticated kept TRUNCATE on
-- user_symbols (one statement deleted every user's rows and wrote no outbox event), TRIGGER (a
-- trigger of the user's ran as whoever wrote next, postgres included) and REFERENCES, could pick
-- id, created_at and updated_at, and could execute helper functions. From here on:
--   * objects postgres creates in public are no longer granted to anon and authenticated: a
--     migration that adds something for users grants exactly that (and the privilege inventory
--     test in Zmarty.Tests lists every privilege they hold, so a new one fails it until reviewed);
--   * the backend key (service_role) keeps reading and writing rows, without TRUNCATE, TRIGGER or
--     REFERENCES, and reads the credit tables, which only the credit functions write;
--   * each table grants the API roles what docs/database.md lists for it, and no more.

alter default privileges for role postgres in schema public revoke all on tables from anon, authenticated;
alter default privileges for role postgres in schema public revoke all on sequences from anon, authenticated;
alter default privileges for role postgres in schema public revoke all on functions from anon, authenticated;
alter default privileges for role postgres in schema public revoke truncate, trigger, references on tables from service_role;

revoke all on
  public.user_profiles, public.user_symbols, public.user_symbols_outbox,
  public.credit_accounts, public.credits_ledger, public.credit_holds, public.credit_balance
  from anon, authenticated;
revoke truncate, trigger, references on
  public.user_profiles, public.user_symbols, public.user_symbols_outbox,
  public.credit_accounts, public.credits_ledger, public.credit_holds, public.credit_balance
  from service_role;

-- A user reads their profile and may change their display name (tier and limits are the service's).
grant select on public.user_profiles to authenticated;
grant update (full_name) on public.user_profiles to authenticated;

-- A user manages their symbols through supabase-js. id, version, created_at and updated_at are
-- the server's. user_id is writable because supabase-js sends it (an upsert sets every column it
-- sends); the policies and the owner check refuse any value but the caller's own id.
grant select, delete on public.user_symbols to authenticated;
grant insert (user_id, symbol, timeframe, strategy, active) on public.user_symbols to authenticated;
grant update (user_id, symbol, timeframe, strategy, active) on public.user_symbols to authenticated;

-- Credits: users read their own rows; the SECURITY DEFINER credit functions are the only writers,
-- so balance = sum(ledger deltas) cannot be broken from outside, not even with the service key.
grant select on public.credit_accounts, public.credits_ledger, public.credit_holds, public.credit_balance
  to authenticated;
revoke insert, update, delete on public.credit_accounts, public.credits_ledger, public.credit_holds
  from service_role;

-- A trigger function needs no EXECUTE right to fire.
revoke execute on function public.set_updated_at() from public, anon, authenticated;
