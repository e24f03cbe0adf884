-- Supabase B (trading): what the migrations need from the server, checked before any of them is
-- applied (the migrator runs this in a transaction it rolls back), so a project that lacks it is
-- refused with nothing half-applied. Hosted Supabase offers both extensions (Database > Extensions);
-- locally pgmq is supabase/local's SQL, which has message headers.
do $$
declare
  v_installed text;
  v_best text;
  v_default text;
begin
  -- Every job message carries its trace context in pgmq's message headers (send_batch(queue, msgs,
  -- headers)), which pgmq has had since 1.5.0; Supabase ships 1.5.1 on its newer images, 1.4.4 on older ones.
  select e.extversion into v_installed from pg_extension e where e.extname = 'pgmq';
  if v_installed is not null then
    if string_to_array(substring(v_installed from '^[0-9]+(?:\.[0-9]+)*'), '.')::int[] < array[1, 5, 0] then
      raise exception 'pgmq % is installed; Zmarty''s queues need pgmq 1.5.0 or later (message headers)', v_installed
        using errcode = '0A000',
              hint = 'Update it (alter extension pgmq update;), then run the migrations again.';
    end if;
  elsif to_regprocedure('pgmq.send_batch(text, jsonb[], jsonb[])') is null then
    select max(v.version) filter (
             where string_to_array(substring(v.version from '^[0-9]+(?:\.[0-9]+)*'), '.')::int[] >= array[1, 5, 0]),
           max(a.default_version)
    into v_best, v_default
    from pg_available_extension_versions v
    join pg_available_extensions a on a.name = v.name
    where v.name = 'pgmq';
    if v_best is null then
      raise exception 'pgmq 1.5.0 or later is not available on this server (default version: %)', coalesce(v_default, 'none')
        using errcode = '0A000',
              hint = 'Zmarty''s queues need pgmq with message headers. On Supabase, upgrade the project''s Postgres '
                  || '(Settings > Infrastructure) to an image that ships pgmq 1.5.1.';
    end if;
    if string_to_array(substring(v_default from '^[0-9]+(?:\.[0-9]+)*'), '.')::int[] < array[1, 5, 0] then
      raise exception 'pgmq''s default version here is %, which the migrations would install; they need 1.5.0 or later', v_default
        using errcode = '0A000',
              hint = format('Enable it at a version that has message headers first: create extension pgmq version %L;', v_best);
    end if;
  end if;

  -- The pipeline's schedules.
  if not exists (select 1 from pg_extension where extname = 'pg_cron')
     and not exists (select 1 from pg_available_extensions where name = 'pg_cron') then
    raise exception 'pg_cron is not available on this server'
      using errcode = '0A000',
            hint = 'On Supabase, enable pg_cron under Database > Extensions; elsewhere install it and add it to '
                || 'shared_preload_libraries.';
  end if;
end
$$;
