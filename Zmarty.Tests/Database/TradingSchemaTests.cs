namespace Zmarty.Tests.Database;

/// <summary>Supabase B: every worker write is an upsert on a natural key, so a job run twice changes nothing.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class TradingSchemaTests(DatabaseFixture db)
{
    /// <summary>The upsert each worker runs, and the table it writes.</summary>
    public static TheoryData<string, string> Upserts => new()
    {
        {
            "public.watchers",
            """
            insert into public.watchers (user_id, symbol, timeframe, strategy, active, source_version)
            values ($1::uuid, $2, '1h', '{"s":1}', true, 7)
            on conflict (user_id, symbol, timeframe) do update
              set strategy = excluded.strategy, active = excluded.active, source_version = excluded.source_version
              where watchers.source_version is null or watchers.source_version < excluded.source_version
            """
        },
        {
            "public.indicators",
            """
            insert into public.indicators (symbol, timeframe, at, data, source)
            values ($2, '1h', '2026-01-01T00:00:00Z', '{"rsi":55.5}', 'internal')
            on conflict (symbol, timeframe, at, source) do update set data = excluded.data
            """
        },
        {
            "public.risk_metric",
            """
            insert into public.risk_metric (symbol, at, metrics)
            values ($2, '2026-01-01T00:00:00Z', '{"risk":0.4}')
            on conflict (symbol, at) do update set metrics = excluded.metrics
            """
        },
        {
            "public.liq_clusters",
            """
            insert into public.liq_clusters (symbol, at, clusters)
            values ($2, '2026-01-01T00:00:00Z', '[{"price":50000,"volume":12.5,"side":"long"}]')
            on conflict (symbol, at) do update set clusters = excluded.clusters
            """
        },
        {
            "public.signals",
            """
            insert into public.signals (symbol, timeframe, at, direction, score, entry_price, stop_loss, take_profit, confidence, reasons)
            values ($2, '1h', '2026-01-01T00:00:00Z', 'long', 0.72, 50000, 49000, array[51000, 52500, 55000], 0.8, '[{"input":"rsi"}]')
            on conflict (symbol, timeframe, at, user_id, strategy_version) do update
              set direction = excluded.direction, score = excluded.score, reasons = excluded.reasons
            """
        },
        {
            "public.win_rate",
            """
            insert into public.win_rate (symbol, timeframe, lookback_days, win_rate, sample_size, params)
            values ($2, '1h', 30, 0.61, 44, '{"profit_factor":1.8}')
            on conflict (symbol, timeframe, lookback_days, strategy_version) do update
              set win_rate = excluded.win_rate, sample_size = excluded.sample_size, params = excluded.params, computed_at = now()
            """
        },
    };

    [Theory]
    [MemberData(nameof(Upserts))]
    public async Task Running_the_same_write_twice_leaves_one_identical_row(string table, string upsert)
    {
        var user = Guid.NewGuid();
        var symbol = $"U{Guid.NewGuid().ToString("N")[..8].ToUpperInvariant()}/USDT";
        // $1 is only used by the watchers upsert; the others ignore it but keep one parameter list.
        var sql = upsert.Contains("$1", StringComparison.Ordinal) ? upsert : upsert + " returning $1::uuid";
        var snapshot = $"select count(*)::text || ':' || coalesce(string_agg((to_jsonb(t) - 'computed_at' - 'updated_at')::text, ','), '') from {table} t where symbol = $1";

        await Sql.ExecuteAsync(db.Trading, sql, user, symbol);
        var once = await Sql.ScalarAsync<string>(db.Trading, snapshot, symbol);
        await Sql.ExecuteAsync(db.Trading, sql, user, symbol);
        var twice = await Sql.ScalarAsync<string>(db.Trading, snapshot, symbol);

        Assert.StartsWith("1:", once, StringComparison.Ordinal);
        Assert.Equal(once, twice);
    }

    [Fact]
    public async Task A_global_signal_and_a_user_signal_are_different_keys()
    {
        var symbol = $"G{Guid.NewGuid().ToString("N")[..8].ToUpperInvariant()}/USDT";
        const string Upsert = """
            insert into public.signals (symbol, timeframe, at, direction, score, user_id)
            values ($1, '4h', '2026-02-01T00:00:00Z', 'short', 0.3, $2)
            on conflict (symbol, timeframe, at, user_id, strategy_version) do update set score = excluded.score
            """;
        var user = Guid.NewGuid();
        for (var i = 0; i < 2; i++)
        {
            await Sql.ExecuteAsync(db.Trading, Upsert, symbol, null);
            await Sql.ExecuteAsync(db.Trading, Upsert, symbol, user);
        }

        Assert.Equal(2L, await Sql.ScalarAsync<long>(db.Trading, "select count(*) from public.signals where symbol = $1", symbol));
        Assert.Equal(1L, await Sql.ScalarAsync<long>(db.Trading, "select count(*) from public.signals where symbol = $1 and user_id is null", symbol));
        await Sql.ThrowsAsync("23514", () => Sql.ExecuteAsync(db.Trading,
            "insert into public.signals (symbol, timeframe, at, direction, score) values ($1, '1h', now(), 'long', 1.5)", symbol));
    }

    [Fact]
    public async Task An_older_watcher_change_does_not_overwrite_a_newer_one()
    {
        // The receiver's rule (docs/database.md, "Outbox"): apply a change only when its version
        // is greater than the one the row holds; a delete is kept as an inactive row with its version.
        var user = Guid.NewGuid();
        const string Upsert = """
            insert into public.watchers (user_id, symbol, timeframe, active, source_version)
            values ($1, 'BTC/USDT', '1h', $2, $3)
            on conflict (user_id, symbol, timeframe) do update
              set active = excluded.active, source_version = excluded.source_version
              where watchers.source_version is null or watchers.source_version < excluded.source_version
            """;
        await Sql.ExecuteAsync(db.Trading, Upsert, user, false, 12L);
        Assert.Equal(0, await Sql.ExecuteAsync(db.Trading, Upsert, user, true, 10L));
        Assert.Equal(0, await Sql.ExecuteAsync(db.Trading, Upsert, user, true, 12L));
        Assert.False(await Sql.ScalarAsync<bool>(db.Trading, "select active from public.watchers where user_id = $1", user));
        Assert.Equal(1, await Sql.ExecuteAsync(db.Trading, Upsert, user, true, 13L));
        Assert.True(await Sql.ScalarAsync<bool>(db.Trading, "select active from public.watchers where user_id = $1", user));
        await Sql.ExecuteAsync(db.Trading, "delete from public.watchers where user_id = $1", user);
    }

    [Theory]
    [InlineData("anon")]
    [InlineData("authenticated")]
    public async Task Api_roles_cannot_touch_trading_or_ops_tables(string role)
    {
        foreach (var table in new[]
                 {
                     "public.watchers", "public.indicators", "public.risk_metric", "public.liq_clusters", "public.signals",
                     "public.win_rate", "ops.error_log", "ops.job_runs", "ops.retention",
                 })
        {
            await Sql.AsRoleAsync(db.Trading, role, role == "anon" ? null : Guid.NewGuid(), async connection =>
                await Sql.FailsAsync(connection, "42501", $"select count(*) from {table}"));
        }
    }

    [Fact]
    public async Task The_service_role_writes_trading_and_ops_rows()
    {
        await Sql.AsRoleAsync(db.Trading, "service_role", null, async connection =>
        {
            await Sql.ExecuteAsync(connection,
                "insert into public.indicators (symbol, timeframe, at, data, source) values ('SVC/USDT', '1h', now(), '{}', 'cryptometer')");
            await Sql.ExecuteAsync(connection,
                "insert into ops.error_log (service, level, message, exception, trace_id, properties) values ('worker', 'error', 'boom', 'System.Exception: boom', 'abc123', '{\"symbol\":\"BTC/USDT\"}')");
            const string JobRun = """
                insert into ops.job_runs (queue, msg_id, attempt, job, symbol, timeframe, started_at, duration_ms, outcome)
                values ('ingest_indicators', 42, 1, 'ingest', 'BTC/USDT', '1h', now(), 120, 'succeeded')
                on conflict (queue, msg_id, attempt) do nothing
                """;
            Assert.Equal(1, await Sql.ExecuteAsync(connection, JobRun));
            Assert.Equal(0, await Sql.ExecuteAsync(connection, JobRun));
            Assert.Equal(1L, await Sql.ScalarAsync<long>(connection, "select count(*) from ops.error_log where trace_id = 'abc123'"));
        });
    }
}
