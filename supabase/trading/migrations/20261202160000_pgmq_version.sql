-- Supabase B (trading): every job message carries its trace context in pgmq's message headers
-- (pgmq.send_batch(queue, msgs, headers), read back by the Worker), which pgmq has had since 1.5.0.
-- A project with an older pgmq would take the migrations and then fail at every cron run; this stops
-- the migration instead, saying what to do. Locally pgmq is supabase/local's SQL, not an extension,
-- and has headers.
do $$
declare
  v_version text;
begin
  select e.extversion into v_version from pg_extension e where e.extname = 'pgmq';
  if v_version is not null
     and string_to_array(substring(v_version from '^[0-9]+(?:\.[0-9]+)*'), '.')::int[] < array[1, 5, 0] then
    raise exception 'pgmq % is installed; Zmarty''s queues need pgmq 1.5.0 or later (message headers)', v_version
      using errcode = '0A000',
            hint = 'Update it (alter extension pgmq update; or Database > Extensions in the Supabase dashboard), '
                || 'then apply the migrations again.';
  end if;
end
$$;
