-- Local pgmq: queue names as real pgmq (1.5) accepts them. 0003 allowed only letters, digits and
-- underscores, so a name such as `orders-v2` worked on Supabase and failed here. Real pgmq refuses
-- only names containing $, ;, -- or ' and names over 47 characters, with these messages, and
-- every table name reaches SQL through format('%I'), so any other character is quoted, never run.
-- Applied after 0003 (a changed applied file would stop the AppHost), and only where 0003 installed
-- our implementation rather than the extension.

do $do$
begin
  if exists (select 1 from pg_extension where extname = 'pgmq')
     or to_regprocedure('pgmq.format_table_name(text, text)') is null then
    return;
  end if;

  execute $install$
  create or replace function pgmq.format_table_name(queue_name text, prefix text)
  returns text
  language plpgsql
  immutable
  as $fn$
  begin
    if queue_name ~ '\$|;|--|''' then
      raise exception 'queue name contains invalid characters: $, ;, --, or ''';
    end if;
    return lower(prefix || '_' || queue_name);
  end;
  $fn$;

  create or replace function pgmq.validate_queue_name(queue_name text)
  returns void
  language plpgsql
  as $fn$
  begin
    if length(queue_name) > 47 then
      raise exception 'queue name is too long, maximum length is 47 characters';
    end if;
  end;
  $fn$;
  $install$;
end
$do$;
