-- Supabase B (trading): the admin judges a pair stale per timeframe, as the pipeline does when it
-- enqueues (ops.last_closed_bar): a 1h pair whose newest bar is the newest that can exist is not
-- late 23 minutes after the hour. The bar arithmetic stays in B's one function; the admin calls it.
grant execute on function ops.last_closed_bar(text, timestamptz) to zmarty_admin;
