-- Supabase A (chat): retention for what POST /chat keeps besides credits. chat_requests holds
-- Idempotency-Key records (a key is only useful while a client may still retry); chat_audio holds
-- voice replies, the largest rows in A. A has no pg_cron, so the Api calls this on a schedule, as
-- it does credits_release_expired.

create or replace function public.chat_prune(p_requests_older_than interval, p_audio_older_than interval)
returns table (target text, deleted bigint)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count bigint;
begin
  -- A pending key younger than a credit hold may belong to a request still running.
  if p_requests_older_than is null or p_requests_older_than < interval '1 hour' then
    raise exception 'Idempotency-Key records are kept at least 1 hour, got %', coalesce(p_requests_older_than::text, 'null')
      using errcode = 'ZC400';
  end if;
  if p_audio_older_than is null or p_audio_older_than < interval '1 hour' then
    raise exception 'voice replies are kept at least 1 hour, got %', coalesce(p_audio_older_than::text, 'null')
      using errcode = 'ZC400';
  end if;

  delete from public.chat_requests r where r.created_at < now() - p_requests_older_than;
  get diagnostics v_count = row_count;
  target := 'public.chat_requests'; deleted := v_count; return next;

  delete from public.chat_audio a where a.created_at < now() - p_audio_older_than;
  get diagnostics v_count = row_count;
  target := 'public.chat_audio'; deleted := v_count; return next;
end;
$$;

create index if not exists chat_audio_created_idx on public.chat_audio (created_at);

revoke execute on function public.chat_prune(interval, interval) from public, anon, authenticated;
grant execute on function public.chat_prune(interval, interval) to service_role;
