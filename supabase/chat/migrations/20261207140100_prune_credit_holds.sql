-- Supabase A (chat): credit_holds was never pruned. Every chat, fallback and signals read leaves a
-- hold, so the table grew by several rows per request without end. A resolved hold (settled or
-- released) is only read by a replay of its request, and a request is replayed only through its
-- Idempotency-Key record, so holds are kept exactly as long as those records: chat_prune deletes a
-- hold resolved longer ago than the records' retention (Chat:Retention:IdempotencyKeys, 7 days). An
-- open hold is never deleted here: credits_release_expired releases it first. The charge stays in
-- the ledger with its request id; the Api never reuses a hold's id (each run's id is random).
--
-- Same signature and result shape, one more row ('public.credit_holds'): the Api's hourly call
-- needs no change.

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

  delete from public.credit_holds h
  where h.status in ('settled', 'released') and h.resolved_at < now() - p_requests_older_than;
  get diagnostics v_count = row_count;
  target := 'public.credit_holds'; deleted := v_count; return next;
end;
$$;

-- The prune reads only resolved holds by age, not every user's history.
create index if not exists credit_holds_resolved_idx on public.credit_holds (resolved_at) where status <> 'held';

-- create or replace keeps the function's privileges: service_role and zmarty_api, as before.
