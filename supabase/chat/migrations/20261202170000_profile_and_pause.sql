-- The frontend's profile and pause button (GET /me/profile, PATCH /me/symbols/{id}). The Api reads a
-- tier's symbol limits from the function the limit trigger enforces them with, so the two cannot
-- disagree, and may change a watched symbol's active flag, nothing else of it: the triggers stamp
-- the version, check the limit on resuming, and put the change in the outbox for B.
grant execute on function public.tier_symbol_limits(text) to zmarty_api;
grant update (active) on public.user_symbols to zmarty_api;
