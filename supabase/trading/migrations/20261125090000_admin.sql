-- Supabase B (trading): what the AdminUi reads and does beyond ops.queue_metrics(): archived
-- (failed) queue messages with the error that archived them, requeue and purge of those, and
-- pg_cron's jobs and runs with run-now, pause and resume.
--
-- Every function runs as its owner (postgres): service_role has no rights on schema cron (here
-- or on Supabase) and none on the queue tables of a queue created after ops.grant_queue ran, and
-- the archive table names are computed from the queue name. Executable by service_role and the
-- owner only; anon and authenticated get nothing (PrivilegeInventoryTests).

-- The queue's archive table, or an error that names the queue when it is not a live queue, so a
-- caller gets a clear message instead of a missing-relation error.
create function ops.archive_table(p_queue_name text)
returns text
language plpgsql
stable
set search_path = ''
as $$
begin
  if p_queue_name is null or not exists (select 1 from ops.live_queues() q where q = p_queue_name) then
    raise exception 'no queue named %', coalesce(p_queue_name, 'null') using errcode = '22023';
  end if;
  return format('pgmq.%I', pgmq.format_table_name(p_queue_name, 'a'));
end;
$$;

-- Archived messages per live queue: how many, for the queue overview.
create function ops.archive_counts()
returns table (queue_name text, archived bigint)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_queue text;
begin
  for v_queue in select q from ops.live_queues() q loop
    queue_name := v_queue;
    execute format('select count(*) from %s', ops.archive_table(v_queue)) into archived;
    return next;
  end loop;
end;
$$;

-- The newest archived messages of one queue, each with the last error a consumer recorded for it
-- in ops.job_runs (null when none was recorded, e.g. a message archived by hand).
create function ops.archived_messages(p_queue_name text, p_limit integer default 50)
returns table (msg_id bigint, read_ct integer, enqueued_at timestamptz, archived_at timestamptz, message jsonb, error text)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if p_limit is null or p_limit < 1 or p_limit > 1000 then
    raise exception 'limit must be between 1 and 1000, got %', p_limit using errcode = '22023';
  end if;
  return query execute format(
    'select a.msg_id, a.read_ct, a.enqueued_at, a.archived_at, a.message,
            (select j.error from ops.job_runs j
             where j.queue = $1 and j.msg_id = a.msg_id and j.error is not null
             order by j.attempt desc, j.started_at desc limit 1)
     from %s a order by a.archived_at desc, a.msg_id desc limit $2',
    ops.archive_table(p_queue_name))
  using p_queue_name, p_limit;
end;
$$;

-- Sends archived messages back to their queue (as new messages, visible at once) and removes them
-- from the archive, in one transaction. Ids that are not in the archive are ignored. Returns how
-- many were requeued.
create function ops.requeue_archived(p_queue_name text, p_msg_ids bigint[])
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count integer;
begin
  execute format(
    'with moved as (delete from %s where msg_id = any($1) returning message),
          sent as (select pgmq.send($2, moved.message) from moved)
     select count(*) from sent',
    ops.archive_table(p_queue_name))
  into v_count
  using coalesce(p_msg_ids, '{}'::bigint[]), p_queue_name;
  return v_count;
end;
$$;

-- Deletes archived messages for good: the given ids, or the whole archive when p_msg_ids is null.
-- Returns how many were deleted.
create function ops.purge_archived(p_queue_name text, p_msg_ids bigint[] default null)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count bigint;
begin
  execute format('delete from %s where $1 is null or msg_id = any($1)', ops.archive_table(p_queue_name))
  using p_msg_ids;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

-- pg_cron's jobs in this database. Empty where pg_cron is not installed.
create function ops.cron_jobs()
returns table (jobid bigint, jobname text, schedule text, command text, active boolean, username text)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if to_regclass('cron.job') is null then
    return;
  end if;
  return query execute
    'select j.jobid, j.jobname::text, j.schedule::text, j.command::text, j.active, j.username::text
     from cron.job j where j.database = current_database() order by j.jobname, j.jobid';
end;
$$;

-- The last p_per_job runs of each job (pg_cron's and run-now's), newest first.
create function ops.cron_runs(p_per_job integer default 10)
returns table (runid bigint, jobid bigint, status text, return_message text, start_time timestamptz, end_time timestamptz)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if p_per_job is null or p_per_job < 1 or p_per_job > 100 then
    raise exception 'runs per job must be between 1 and 100, got %', p_per_job using errcode = '22023';
  end if;
  if to_regclass('cron.job_run_details') is null then
    return;
  end if;
  return query execute
    'select r.runid, r.jobid, r.status, r.return_message, r.start_time, r.end_time
     from (select d.*, row_number() over (partition by d.jobid order by d.start_time desc nulls last, d.runid desc) n
           from cron.job_run_details d
           where d.jobid in (select j.jobid from cron.job j where j.database = current_database())) r
     where r.n <= $1
     order by r.start_time desc nulls last, r.runid desc'
  using p_per_job;
end;
$$;

-- Runs a job's command now, as pg_cron would run it (as its owner, in this database), and records
-- the run in cron.job_run_details beside pg_cron's own, with return_message 'run now'. A failing
-- command is rolled back and recorded as failed with its error; the call itself does not fail.
-- pg_cron 1.4 has no run-now of its own.
create function ops.cron_run_now(p_jobname text)
returns table (runid bigint, status text, return_message text, start_time timestamptz, end_time timestamptz)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_job record;
  v_start timestamptz := clock_timestamp();
  v_status text := 'succeeded';
  v_message text := 'run now';
begin
  if to_regclass('cron.job') is null then
    raise exception 'pg_cron is not installed' using errcode = '55000';
  end if;
  execute 'select j.jobid, j.command, j.username from cron.job j where j.jobname = $1 and j.database = current_database()'
  into v_job using p_jobname;
  if v_job.jobid is null then
    raise exception 'no cron job named %', coalesce(p_jobname, 'null') using errcode = '22023';
  end if;
  -- The command runs with this function's owner's rights; a job scheduled by another role is
  -- that role's to run.
  if v_job.username <> current_user then
    raise exception 'cron job % runs as %, not as %', p_jobname, v_job.username, current_user using errcode = '42501';
  end if;

  begin
    execute v_job.command;
  exception when others then
    v_status := 'failed';
    v_message := sqlerrm;
  end;

  return query execute
    'insert into cron.job_run_details (jobid, job_pid, database, username, command, status, return_message, start_time, end_time)
     values ($1, pg_backend_pid(), current_database(), current_user, $2, $3, $4, $5, clock_timestamp())
     returning runid, status, return_message, start_time, end_time'
  using v_job.jobid, v_job.command, v_status, v_message, v_start;
end;
$$;

-- Pauses (false) or resumes (true) a job; pg_cron skips inactive jobs. Returns the new state.
create function ops.cron_set_active(p_jobname text, p_active boolean)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_jobid bigint;
begin
  if p_active is null then
    raise exception 'active must be true or false' using errcode = '22023';
  end if;
  if to_regclass('cron.job') is null then
    raise exception 'pg_cron is not installed' using errcode = '55000';
  end if;
  execute 'select j.jobid from cron.job j where j.jobname = $1 and j.database = current_database()'
  into v_jobid using p_jobname;
  if v_jobid is null then
    raise exception 'no cron job named %', coalesce(p_jobname, 'null') using errcode = '22023';
  end if;
  execute 'select cron.alter_job(job_id => $1, active => $2)' using v_jobid, p_active;
  return p_active;
end;
$$;

revoke execute on function
  ops.archive_table(text), ops.archive_counts(), ops.archived_messages(text, integer),
  ops.requeue_archived(text, bigint[]), ops.purge_archived(text, bigint[]),
  ops.cron_jobs(), ops.cron_runs(integer), ops.cron_run_now(text), ops.cron_set_active(text, boolean)
  from public;
grant execute on function
  ops.archive_counts(), ops.archived_messages(text, integer),
  ops.requeue_archived(text, bigint[]), ops.purge_archived(text, bigint[]),
  ops.cron_jobs(), ops.cron_runs(integer), ops.cron_run_now(text), ops.cron_set_active(text, boolean)
  to service_role;
