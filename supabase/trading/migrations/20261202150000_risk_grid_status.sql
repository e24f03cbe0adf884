-- Supabase B (trading): the owner's risk grids, as the Worker last judged them.
--
-- The Worker reads each symbol's risk grid from the owner's Supabase and checks it before use
-- (docs/pipeline.md, "The owner's risk grid"). A refused grid is not used, and operators must see
-- which and why: the Worker records its verdict per grid symbol with every ingestion, the admin
-- Pipeline page lists it and /healthz reports the refusals ('missing', a symbol the owner's table
-- has no grid for, is an absence and listed on the page only).
create table ops.risk_grid_status (
  symbol text primary key,
  status text not null check (status in ('ok', 'missing', 'refused', 'refused, using the last valid grid')),
  reason text,
  checked_at timestamptz not null default now(),
  check ((status = 'ok') = (reason is null))
);
alter table ops.risk_grid_status enable row level security;

grant select, insert, update on ops.risk_grid_status to zmarty_worker;
create policy zmarty_worker_records_risk_grids on ops.risk_grid_status for all to zmarty_worker using (true) with check (true);
grant select on ops.risk_grid_status to zmarty_api, zmarty_admin;
create policy zmarty_api_reads_risk_grids on ops.risk_grid_status for select to zmarty_api using (true);
create policy zmarty_admin_reads_risk_grids on ops.risk_grid_status for select to zmarty_admin using (true);
