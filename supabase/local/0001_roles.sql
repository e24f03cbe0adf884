-- Local emulation of what every Supabase project has before the first migration runs: the API
-- roles PostgREST switches to, the `extensions` schema, and the default grants on `public`.
-- Applied by the AppHost only; a real project already has all of this.

do $$
begin
  -- PostgREST runs a request as anon (no or anonymous JWT) or authenticated (a user's JWT);
  -- service_role is the backend key and bypasses row level security, as on Supabase.
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
end
$$;

-- The superuser can `set role` to each of them; granting membership also lets a non-superuser
-- owner (as on Supabase, where postgres is not a true superuser) do the same.
grant anon, authenticated, service_role to postgres;

-- Supabase installs extensions into their own schema, so migrations say `with schema extensions`.
create schema if not exists extensions;
grant usage on schema extensions to postgres, anon, authenticated, service_role;
create extension if not exists pgcrypto with schema extensions;

-- Supabase's default grants: the API roles may use public, and every table, sequence and
-- function created there by postgres is granted to them; row level security (and explicit
-- revokes in our migrations) is what narrows this down.
grant usage on schema public to anon, authenticated, service_role;
grant all on all tables in schema public to anon, authenticated, service_role;
grant all on all sequences in schema public to anon, authenticated, service_role;
grant all on all functions in schema public to anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  grant all on tables to anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  grant all on sequences to anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  grant all on functions to anon, authenticated, service_role;
