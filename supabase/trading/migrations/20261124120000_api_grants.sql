-- Supabase B (trading): the API roles reach nothing here.
--
-- The tables' grants were revoked from anon and authenticated when they were made, but Supabase's
-- default grants had also given both roles USAGE, SELECT and UPDATE on every sequence in public
-- (an anonymous caller could setval a watcher id and make the next inserts collide) and EXECUTE on
-- its functions. From here on objects postgres creates in public are granted to service_role only,
-- and the privilege inventory test in Zmarty.Tests fails when anon or authenticated gain anything.

alter default privileges for role postgres in schema public revoke all on tables from anon, authenticated;
alter default privileges for role postgres in schema public revoke all on sequences from anon, authenticated;
alter default privileges for role postgres in schema public revoke all on functions from anon, authenticated;
alter default privileges for role postgres in schema public revoke truncate, trigger, references on tables from service_role;

revoke all on sequence
  public.watchers_id_seq, public.indicators_id_seq, public.risk_metric_id_seq,
  public.liq_clusters_id_seq, public.signals_id_seq, public.win_rate_id_seq
  from anon, authenticated;

-- The backend writes rows; it never needs to truncate these tables, reference them or hang
-- triggers on them (a trigger would run as whoever writes next).
revoke truncate, trigger, references on
  public.watchers, public.indicators, public.risk_metric, public.liq_clusters, public.signals, public.win_rate
  from service_role;

-- A trigger function needs no EXECUTE right to fire.
revoke execute on function public.set_updated_at() from public, anon, authenticated;
