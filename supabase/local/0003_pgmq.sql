-- Local emulation of the pgmq extension's SQL API (schema pgmq), for servers where the extension
-- cannot be installed (it has no Debian package). Written from pgmq's documented API: the same
-- function names, argument names, return types, table layout and semantics, so a client written
-- for real pgmq (and the trading migrations, which only call pgmq.create and friends) works unchanged.
--
-- Where the real extension is available it is installed instead and nothing below is created:
-- the body is one string executed only in the `else` branch, because a migration file is one
-- transaction and SQL has no conditional `create function`.

do $do$
begin
  if exists (select 1 from pg_available_extensions where name = 'pgmq') then
    create extension if not exists pgmq;
    return;
  end if;

  if exists (select 1 from pg_extension where extname = 'pgmq') then
    return;
  end if;

  execute $install$
  create schema if not exists pgmq;

  -- One row per queue, as the extension keeps it.
  create table if not exists pgmq.meta (
    queue_name varchar unique not null,
    is_partitioned boolean not null,
    is_unlogged boolean not null,
    created_at timestamptz not null default now()
  );

  create type pgmq.message_record as (
    msg_id bigint,
    read_ct integer,
    enqueued_at timestamptz,
    vt timestamptz,
    message jsonb,
    headers jsonb
  );

  create type pgmq.queue_record as (
    queue_name varchar,
    is_partitioned boolean,
    is_unlogged boolean,
    created_at timestamptz
  );

  create type pgmq.metrics_result as (
    queue_name text,
    queue_length bigint,
    newest_msg_age_sec integer,
    oldest_msg_age_sec integer,
    total_messages bigint,
    scrape_time timestamptz,
    queue_visible_length bigint
  );

  -- Table names are built from queue names, so a name is checked before it reaches dynamic SQL:
  -- only letters, digits and underscores, and short enough that a_<name> plus index suffixes
  -- stay within the 63-byte identifier limit. Names are case-insensitive, as in pgmq.
  create function pgmq.format_table_name(queue_name text, prefix text)
  returns text
  language plpgsql
  immutable
  as $fn$
  begin
    if queue_name is null or queue_name !~ '^[A-Za-z0-9_]+$' then
      raise exception 'queue name % is invalid: use letters, digits and underscores', quote_literal(queue_name)
        using errcode = '22023';
    end if;
    return lower(prefix || '_' || queue_name);
  end;
  $fn$;

  create function pgmq.validate_queue_name(queue_name text)
  returns void
  language plpgsql
  as $fn$
  begin
    if length(queue_name) > 47 then
      raise exception 'queue name is too long, maximum length is 47 characters' using errcode = '22023';
    end if;
    perform pgmq.format_table_name(queue_name, 'q');
  end;
  $fn$;

  -- Serialises create/drop of the same queue across sessions until commit.
  create function pgmq.acquire_queue_lock(queue_name text)
  returns void
  language sql
  as $fn$
    select pg_advisory_xact_lock(hashtext('pgmq.queue_' || queue_name));
  $fn$;

  create function pgmq._create_queue(queue_name text, unlogged boolean)
  returns void
  language plpgsql
  as $fn$
  declare
    qtable text := pgmq.format_table_name(queue_name, 'q');
    atable text := pgmq.format_table_name(queue_name, 'a');
  begin
    perform pgmq.validate_queue_name(queue_name);
    perform pgmq.acquire_queue_lock(queue_name);

    execute format(
      $q$
      create %s table if not exists pgmq.%I (
        msg_id bigint primary key generated always as identity,
        read_ct integer not null default 0,
        enqueued_at timestamptz not null default now(),
        vt timestamptz not null,
        message jsonb,
        headers jsonb
      )
      $q$,
      case when unlogged then 'unlogged' else '' end, qtable);

    execute format(
      $q$
      create table if not exists pgmq.%I (
        msg_id bigint primary key,
        read_ct integer not null default 0,
        enqueued_at timestamptz not null default now(),
        archived_at timestamptz not null default now(),
        vt timestamptz not null,
        message jsonb,
        headers jsonb
      )
      $q$,
      atable);

    -- Readers look for the oldest visible message; the archive is pruned by age.
    execute format('create index if not exists %I on pgmq.%I (vt asc)', qtable || '_vt_idx', qtable);
    execute format('create index if not exists %I on pgmq.%I (archived_at)', 'archived_at_idx_' || lower(queue_name), atable);

    -- The name is kept as given (tables use it lower-cased), as pgmq does.
    insert into pgmq.meta (queue_name, is_partitioned, is_unlogged)
    values (queue_name, false, unlogged)
    on conflict do nothing;
  end;
  $fn$;

  create function pgmq.create_non_partitioned(queue_name text)
  returns void
  language sql
  as $fn$
    select pgmq._create_queue(queue_name, false);
  $fn$;

  create function pgmq.create_unlogged(queue_name text)
  returns void
  language sql
  as $fn$
    select pgmq._create_queue(queue_name, true);
  $fn$;

  create function pgmq."create"(queue_name text)
  returns void
  language sql
  as $fn$
    select pgmq._create_queue(queue_name, false);
  $fn$;

  -- Partitioned queues need pg_partman, which the real extension also refuses to work without.
  create function pgmq.create_partitioned(
    queue_name text,
    partition_interval text default '10000',
    retention_interval text default '100000'
  )
  returns void
  language plpgsql
  as $fn$
  begin
    raise exception 'pg_partman is required for partitioned queues' using errcode = '0A000';
  end;
  $fn$;

  create function pgmq.drop_queue(queue_name text)
  returns boolean
  language plpgsql
  as $fn$
  declare
    qtable text := pgmq.format_table_name(queue_name, 'q');
    atable text := pgmq.format_table_name(queue_name, 'a');
  begin
    perform pgmq.acquire_queue_lock(queue_name);
    if to_regclass(format('pgmq.%I', qtable)) is null then
      raise notice 'pgmq queue `%` does not exist', queue_name;
      return false;
    end if;
    execute format('drop table if exists pgmq.%I', qtable);
    execute format('drop table if exists pgmq.%I', atable);
    delete from pgmq.meta m where m.queue_name = drop_queue.queue_name;
    return true;
  end;
  $fn$;

  -- The older two-argument form, kept by pgmq for compatibility.
  create function pgmq.drop_queue(queue_name text, partitioned boolean)
  returns boolean
  language sql
  as $fn$
    select pgmq.drop_queue(queue_name);
  $fn$;

  create function pgmq.list_queues()
  returns setof pgmq.queue_record
  language sql
  as $fn$
    select queue_name, is_partitioned, is_unlogged, created_at from pgmq.meta order by queue_name;
  $fn$;

  -- send: the full form; every other overload delegates to it. A message is visible from `delay`.
  create function pgmq.send(queue_name text, msg jsonb, headers jsonb, delay timestamptz)
  returns setof bigint
  language plpgsql
  as $fn$
  begin
    return query execute format(
      'insert into pgmq.%I (vt, message, headers) values ($1, $2, $3) returning msg_id',
      pgmq.format_table_name(queue_name, 'q'))
    using delay, msg, headers;
  end;
  $fn$;

  create function pgmq.send(queue_name text, msg jsonb)
  returns setof bigint
  language sql
  as $fn$
    select * from pgmq.send(queue_name, msg, null::jsonb, clock_timestamp());
  $fn$;

  create function pgmq.send(queue_name text, msg jsonb, delay integer)
  returns setof bigint
  language sql
  as $fn$
    select * from pgmq.send(queue_name, msg, null::jsonb, clock_timestamp() + make_interval(secs => delay));
  $fn$;

  create function pgmq.send(queue_name text, msg jsonb, delay timestamptz)
  returns setof bigint
  language sql
  as $fn$
    select * from pgmq.send(queue_name, msg, null::jsonb, delay);
  $fn$;

  create function pgmq.send(queue_name text, msg jsonb, headers jsonb)
  returns setof bigint
  language sql
  as $fn$
    select * from pgmq.send(queue_name, msg, headers, clock_timestamp());
  $fn$;

  create function pgmq.send(queue_name text, msg jsonb, headers jsonb, delay integer)
  returns setof bigint
  language sql
  as $fn$
    select * from pgmq.send(queue_name, msg, headers, clock_timestamp() + make_interval(secs => delay));
  $fn$;

  -- send_batch: one insert for the whole array, ids returned in array order.
  create function pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[], delay timestamptz)
  returns setof bigint
  language plpgsql
  as $fn$
  begin
    if headers is not null and cardinality(headers) <> cardinality(msgs) then
      raise exception 'headers must have one entry per message' using errcode = '22023';
    end if;
    return query execute format(
      $q$
      insert into pgmq.%I (vt, message, headers)
      select $1, m.message, h.header
      from unnest($2) with ordinality as m (message, ord)
      left join unnest($3) with ordinality as h (header, ord) on h.ord = m.ord
      order by m.ord
      returning msg_id
      $q$,
      pgmq.format_table_name(queue_name, 'q'))
    using delay, msgs, headers;
  end;
  $fn$;

  create function pgmq.send_batch(queue_name text, msgs jsonb[])
  returns setof bigint
  language sql
  as $fn$
    select * from pgmq.send_batch(queue_name, msgs, null::jsonb[], clock_timestamp());
  $fn$;

  create function pgmq.send_batch(queue_name text, msgs jsonb[], delay integer)
  returns setof bigint
  language sql
  as $fn$
    select * from pgmq.send_batch(queue_name, msgs, null::jsonb[], clock_timestamp() + make_interval(secs => delay));
  $fn$;

  create function pgmq.send_batch(queue_name text, msgs jsonb[], delay timestamptz)
  returns setof bigint
  language sql
  as $fn$
    select * from pgmq.send_batch(queue_name, msgs, null::jsonb[], delay);
  $fn$;

  create function pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[])
  returns setof bigint
  language sql
  as $fn$
    select * from pgmq.send_batch(queue_name, msgs, headers, clock_timestamp());
  $fn$;

  create function pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[], delay integer)
  returns setof bigint
  language sql
  as $fn$
    select * from pgmq.send_batch(queue_name, msgs, headers, clock_timestamp() + make_interval(secs => delay));
  $fn$;

  -- read: take up to qty visible messages, oldest first, and hide them for vt seconds. SKIP LOCKED
  -- lets concurrent readers pass over rows another reader is claiming instead of waiting on them,
  -- and the vt update is what keeps a message from a second reader once the claim commits.
  create function pgmq.read(queue_name text, vt integer, qty integer, conditional jsonb default '{}')
  returns setof pgmq.message_record
  language plpgsql
  as $fn$
  declare
    qtable text := pgmq.format_table_name(queue_name, 'q');
  begin
    return query execute format(
      $q$
      with cte as (
        select msg_id
        from pgmq.%I
        where vt <= clock_timestamp()
          and ($3 = '{}'::jsonb or message @> $3)
        order by msg_id
        limit $1
        for update skip locked
      )
      update pgmq.%I m
      set vt = clock_timestamp() + $2,
          read_ct = m.read_ct + 1
      from cte
      where m.msg_id = cte.msg_id
      returning m.msg_id, m.read_ct, m.enqueued_at, m.vt, m.message, m.headers
      $q$,
      qtable, qtable)
    using qty, make_interval(secs => vt), coalesce(conditional, '{}'::jsonb);
  end;
  $fn$;

  -- read_with_poll: read, and while nothing is visible sleep poll_interval_ms and try again, for at
  -- most max_poll_seconds.
  create function pgmq.read_with_poll(
    queue_name text,
    vt integer,
    qty integer,
    max_poll_seconds integer default 5,
    poll_interval_ms integer default 100,
    conditional jsonb default '{}'
  )
  returns setof pgmq.message_record
  language plpgsql
  as $fn$
  declare
    stop_at timestamptz := clock_timestamp() + make_interval(secs => max_poll_seconds);
    r pgmq.message_record;
    found_any boolean;
  begin
    loop
      found_any := false;
      for r in select * from pgmq.read(queue_name, vt, qty, conditional) loop
        found_any := true;
        return next r;
      end loop;
      if found_any or clock_timestamp() >= stop_at then
        return;
      end if;
      perform pg_sleep(poll_interval_ms::numeric / 1000);
    end loop;
  end;
  $fn$;

  -- pop: read and delete in one step (no visibility timeout, no redelivery).
  create function pgmq.pop(queue_name text)
  returns setof pgmq.message_record
  language plpgsql
  as $fn$
  declare
    qtable text := pgmq.format_table_name(queue_name, 'q');
  begin
    return query execute format(
      $q$
      with cte as (
        select msg_id
        from pgmq.%I
        where vt <= clock_timestamp()
        order by msg_id
        limit 1
        for update skip locked
      )
      delete from pgmq.%I m
      using cte
      where m.msg_id = cte.msg_id
      returning m.msg_id, m.read_ct, m.enqueued_at, m.vt, m.message, m.headers
      $q$,
      qtable, qtable);
  end;
  $fn$;

  -- set_vt: make a message visible vt seconds from now (0 = now: give it back to the queue).
  create function pgmq.set_vt(queue_name text, msg_id bigint, vt integer)
  returns setof pgmq.message_record
  language plpgsql
  as $fn$
  begin
    return query execute format(
      $q$
      update pgmq.%I
      set vt = clock_timestamp() + $2
      where msg_id = $1
      returning msg_id, read_ct, enqueued_at, vt, message, headers
      $q$,
      pgmq.format_table_name(queue_name, 'q'))
    using msg_id, make_interval(secs => vt);
  end;
  $fn$;

  -- archive: move messages to a_<name> (kept with archived_at) in one statement.
  create function pgmq.archive(queue_name text, msg_ids bigint[])
  returns setof bigint
  language plpgsql
  as $fn$
  begin
    return query execute format(
      $q$
      with archived as (
        delete from pgmq.%I
        where msg_id = any($1)
        returning msg_id, vt, read_ct, enqueued_at, message, headers
      )
      insert into pgmq.%I (msg_id, vt, read_ct, enqueued_at, message, headers)
      select msg_id, vt, read_ct, enqueued_at, message, headers
      from archived
      returning msg_id
      $q$,
      pgmq.format_table_name(queue_name, 'q'), pgmq.format_table_name(queue_name, 'a'))
    using msg_ids;
  end;
  $fn$;

  create function pgmq.archive(queue_name text, msg_id bigint)
  returns boolean
  language sql
  as $fn$
    select exists (select 1 from pgmq.archive(queue_name, array[msg_id]));
  $fn$;

  create function pgmq.delete(queue_name text, msg_ids bigint[])
  returns setof bigint
  language plpgsql
  as $fn$
  begin
    return query execute format(
      'delete from pgmq.%I where msg_id = any($1) returning msg_id',
      pgmq.format_table_name(queue_name, 'q'))
    using msg_ids;
  end;
  $fn$;

  create function pgmq.delete(queue_name text, msg_id bigint)
  returns boolean
  language sql
  as $fn$
    select exists (select 1 from pgmq.delete(queue_name, array[msg_id]));
  $fn$;

  -- purge_queue: remove every message (not the archive); returns how many there were.
  create function pgmq.purge_queue(queue_name text)
  returns bigint
  language plpgsql
  as $fn$
  declare
    qtable text := pgmq.format_table_name(queue_name, 'q');
    deleted bigint;
  begin
    execute format('select count(*) from pgmq.%I', qtable) into deleted;
    execute format('truncate table pgmq.%I', qtable);
    return deleted;
  end;
  $fn$;

  -- metrics: queue_length counts messages in the queue, queue_visible_length those readable now;
  -- total_messages is every message ever sent, read from the msg_id identity sequence.
  create function pgmq.metrics(queue_name text)
  returns pgmq.metrics_result
  language plpgsql
  as $fn$
  declare
    qtable text := pgmq.format_table_name(queue_name, 'q');
    result pgmq.metrics_result;
  begin
    execute format(
      $q$
      with q_summary as (
        select
          count(*) as queue_length,
          count(*) filter (where vt <= now()) as queue_visible_length,
          extract(epoch from (now() - max(enqueued_at)))::integer as newest_msg_age_sec,
          extract(epoch from (now() - min(enqueued_at)))::integer as oldest_msg_age_sec,
          now() as scrape_time
        from pgmq.%I
      ),
      all_metrics as (
        select case when is_called then last_value else 0 end as total_messages
        from pgmq.%I
      )
      select $1, q.queue_length, q.newest_msg_age_sec, q.oldest_msg_age_sec,
             a.total_messages, q.scrape_time, q.queue_visible_length
      from q_summary q, all_metrics a
      $q$,
      qtable, qtable || '_msg_id_seq')
    into result
    using queue_name;
    return result;
  end;
  $fn$;

  create function pgmq.metrics_all()
  returns setof pgmq.metrics_result
  language plpgsql
  as $fn$
  declare
    q record;
  begin
    for q in select m.queue_name from pgmq.meta m order by m.queue_name loop
      return next pgmq.metrics(q.queue_name);
    end loop;
  end;
  $fn$;

  -- What Supabase grants when the extension is enabled: the backend key may use every queue.
  -- Queue tables are created later by pgmq.create, hence the default privileges.
  grant usage on schema pgmq to service_role;
  grant all on all tables in schema pgmq to service_role;
  grant all on all sequences in schema pgmq to service_role;
  grant execute on all functions in schema pgmq to service_role;
  alter default privileges for role postgres in schema pgmq grant all on tables to service_role;
  alter default privileges for role postgres in schema pgmq grant all on sequences to service_role;
  $install$;
end
$do$;
