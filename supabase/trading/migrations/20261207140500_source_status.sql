-- Supabase B (trading): the secondary sources of an ingestion, as the Worker last found them.
--
-- An ingestion's primary data is Cryptometer's candles; the rest only adds to them: the liquidation
-- clusters (King Fisher, the owner's kf_clusters) and the owner's days per risk band (his
-- cryptoverse_risk_time_bands_v2, which only weigh the risk score). When one of those fails, the
-- ingestion goes on without it (the candles, indicators, risk, band, zone and base score are kept),
-- so operators must see what is missing: the Worker records each secondary source's state with
-- every ingestion, the admin Pipeline page lists the failing ones and /healthz reports them.
create table ops.source_status (
  source text primary key check (source in ('kingfisher_clusters', 'risk_time_bands')),
  status text not null check (status in ('ok', 'failing')),
  reason text,
  checked_at timestamptz not null default now(),
  check ((status = 'ok') = (reason is null))
);
alter table ops.source_status enable row level security;

grant select, insert, update on ops.source_status to zmarty_worker;
create policy zmarty_worker_records_sources on ops.source_status for all to zmarty_worker using (true) with check (true);
grant select on ops.source_status to zmarty_api, zmarty_admin;
create policy zmarty_api_reads_sources on ops.source_status for select to zmarty_api using (true);
create policy zmarty_admin_reads_sources on ops.source_status for select to zmarty_admin using (true);
