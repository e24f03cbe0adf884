-- Supabase A (chat): what the Api keeps for POST /chat besides credits.
--   * chat_requests: Idempotency-Key records, so a retried request returns the first result and is
--     charged once (the credit functions are idempotent per request id; this keeps the reply too).
--   * chat_audio: voice replies (ElevenLabs audio), served only to their owner or through a signed,
--     expiring link.
-- Both are service-only: RLS on, no policy, no grants for anon or authenticated.

create table public.chat_requests (
  user_id uuid not null references auth.users (id) on delete cascade,
  idempotency_key text not null check (length(idempotency_key) between 1 and 100),
  -- SHA-256 of the request body: the same key with another body is refused.
  request_hash text not null,
  -- Bumped when a request that failed without a charge is retried; part of its credit request ids.
  attempt integer not null default 1 check (attempt > 0),
  status text not null default 'pending' check (status in ('pending', 'completed', 'failed')),
  response jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (user_id, idempotency_key)
);

-- Pruning old keys reads by age.
create index chat_requests_created_idx on public.chat_requests (created_at);

create table public.chat_audio (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  request_id text not null,
  content_type text not null,
  audio bytea not null,
  created_at timestamptz not null default now()
);

create index chat_audio_user_idx on public.chat_audio (user_id, created_at desc);

alter table public.chat_requests enable row level security;
alter table public.chat_audio enable row level security;
revoke all on public.chat_requests, public.chat_audio from anon, authenticated;
