using System.Text.Json;

namespace Zmarty.Tests.Database;

/// <summary>The user_symbols outbox: written in the same transaction as the change, in the Supabase webhook shape.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class OutboxTests(DatabaseFixture db)
{
    private async Task<List<JsonElement>> PayloadsAsync(Guid user) =>
        [.. (await Sql.ColumnAsync<string>(db.Chat,
                "select payload::text from public.user_symbols_outbox " +
                "where coalesce(payload -> 'record' ->> 'user_id', payload -> 'old_record' ->> 'user_id') = $1 order by id",
                user.ToString()))
            .Select(p => JsonDocument.Parse(p).RootElement.Clone())];

    [Fact]
    public async Task Each_change_by_the_user_leaves_one_webhook_shaped_event()
    {
        var user = await db.CreateUserAsync("pro");
        await Sql.AsRoleAsync(db.Chat, "authenticated", user, async connection =>
        {
            await Sql.ExecuteAsync(connection, "insert into public.user_symbols (user_id, symbol, timeframe) values ($1, 'BTC/USDT', '4h')", user);
            await Sql.ExecuteAsync(connection, "update public.user_symbols set active = false where user_id = $1", user);
            await Sql.ExecuteAsync(connection, "delete from public.user_symbols where user_id = $1", user);
        });
        // AsRoleAsync rolls back, as a failed request would: nothing of it may reach the outbox.
        Assert.Empty(await PayloadsAsync(user));

        await using (var request = await Sql.BeginAsRoleAsync(db.Chat, "authenticated", user))
        {
            await Sql.ExecuteAsync(request.Connection, "insert into public.user_symbols (user_id, symbol, timeframe) values ($1, 'BTC/USDT', '4h')", user);
            await Sql.ExecuteAsync(request.Connection, "update public.user_symbols set active = false where user_id = $1", user);
            await Sql.ExecuteAsync(request.Connection, "delete from public.user_symbols where user_id = $1", user);
            await request.Transaction.CommitAsync();
        }

        var events = await PayloadsAsync(user);
        Assert.Equal(["INSERT", "UPDATE", "DELETE"], events.Select(e => e.GetProperty("type").GetString()));
        Assert.All(events, e =>
        {
            Assert.Equal("user_symbols", e.GetProperty("table").GetString());
            Assert.Equal("public", e.GetProperty("schema").GetString());
            Assert.Equal(["old_record", "record", "schema", "table", "type", "version"], e.EnumerateObject().Select(p => p.Name).Order());
        });
        // Insert and update carry their row's version; the delete takes the next one.
        Assert.Equal(events[0].GetProperty("version").GetInt64(), events[0].GetProperty("record").GetProperty("version").GetInt64());
        Assert.Equal(events[1].GetProperty("version").GetInt64(), events[1].GetProperty("record").GetProperty("version").GetInt64());
        Assert.True(events[2].GetProperty("version").GetInt64() > events[2].GetProperty("old_record").GetProperty("version").GetInt64());

        Assert.Equal(JsonValueKind.Null, events[0].GetProperty("old_record").ValueKind);
        Assert.Equal("BTC/USDT", events[0].GetProperty("record").GetProperty("symbol").GetString());
        Assert.Equal("4h", events[0].GetProperty("record").GetProperty("timeframe").GetString());
        Assert.True(events[0].GetProperty("record").GetProperty("active").GetBoolean());
        Assert.True(events[1].GetProperty("old_record").GetProperty("active").GetBoolean());
        Assert.False(events[1].GetProperty("record").GetProperty("active").GetBoolean());
        Assert.Equal(JsonValueKind.Null, events[2].GetProperty("record").ValueKind);
        Assert.Equal("BTC/USDT", events[2].GetProperty("old_record").GetProperty("symbol").GetString());
    }

    private static long Version(JsonElement payload) => payload.GetProperty("version").GetInt64();

    [Fact]
    public async Task Versions_order_the_changes_of_a_symbol_as_they_commit_not_as_they_began()
    {
        var user = await db.CreateUserAsync("pro");
        await Sql.ExecuteAsync(db.Chat, "insert into public.user_symbols (user_id, symbol) values ($1, 'BTC/USDT')", user);

        // The review's case: a transaction begins, another changes the row and commits, then the
        // first writes the final state (active = false) and commits last.
        await using (var early = await Sql.BeginAsRoleAsync(db.Chat, "authenticated", user))
        {
            await using (var late = await Sql.BeginAsRoleAsync(db.Chat, "authenticated", user))
            {
                await Sql.ExecuteAsync(late.Connection, """update public.user_symbols set strategy = '{"step": 2}' where user_id = $1""", user);
                await late.Transaction.CommitAsync();
            }

            await Sql.ExecuteAsync(early.Connection, "update public.user_symbols set active = false where user_id = $1", user);
            await early.Transaction.CommitAsync();
        }

        var events = await PayloadsAsync(user);
        Assert.Equal(3, events.Count);
        var (second, final) = (events[1].GetProperty("record"), events[2].GetProperty("record"));
        Assert.False(final.GetProperty("active").GetBoolean());
        // updated_at is the transaction's start, so it puts the final state before the change it
        // overwrote; a receiver ordering by it would drop the final state as stale.
        Assert.True(final.GetProperty("updated_at").GetDateTimeOffset() < second.GetProperty("updated_at").GetDateTimeOffset());
        // The version follows the commits, and the final state carries the strategy the other wrote.
        Assert.True(Version(events[0]) < Version(events[1]));
        Assert.True(Version(events[1]) < Version(events[2]));
        Assert.Equal(2, final.GetProperty("strategy").GetProperty("step").GetInt32());

        // Deleting and adding the symbol again keeps counting up: the receiver can tell the new
        // row from the deleted one without knowing either id.
        await Sql.ExecuteAsync(db.Chat, "delete from public.user_symbols where user_id = $1", user);
        await Sql.ExecuteAsync(db.Chat, "insert into public.user_symbols (user_id, symbol) values ($1, 'BTC/USDT')", user);
        events = await PayloadsAsync(user);
        Assert.Equal(["INSERT", "UPDATE", "UPDATE", "DELETE", "INSERT"], events.Select(e => e.GetProperty("type").GetString()));
        Assert.True(Version(events[2]) < Version(events[3]));
        Assert.True(Version(events[3]) < Version(events[4]));
    }

    [Fact]
    public async Task An_update_that_changes_nothing_keeps_its_version_and_writes_no_event()
    {
        var user = await db.CreateUserAsync("pro");
        await Sql.ExecuteAsync(db.Chat, """insert into public.user_symbols (user_id, symbol, strategy) values ($1, 'BTC/USDT', '{"risk": "low"}')""", user);
        var version = await Sql.ScalarAsync<long>(db.Chat, "select version from public.user_symbols where user_id = $1", user);

        await using (var request = await Sql.BeginAsRoleAsync(db.Chat, "authenticated", user))
        {
            Assert.Equal(1, await Sql.ExecuteAsync(request.Connection, "update public.user_symbols set strategy = strategy where user_id = $1", user));
            // supabase-js's upsert sets every column it sends, changed or not.
            Assert.Equal(1, await Sql.ExecuteAsync(request.Connection, """
                insert into public.user_symbols (user_id, symbol, timeframe, strategy, active)
                values ($1, 'BTC/USDT', '1h', '{"risk": "low"}', true)
                on conflict (user_id, symbol, timeframe) do update
                  set user_id = excluded.user_id, symbol = excluded.symbol, timeframe = excluded.timeframe,
                      strategy = excluded.strategy, active = excluded.active
                """, user));
            await request.Transaction.CommitAsync();
        }

        Assert.Single(await PayloadsAsync(user));
        Assert.Equal(version, await Sql.ScalarAsync<long>(db.Chat, "select version from public.user_symbols where user_id = $1", user));

        await Sql.ExecuteAsync(db.Chat, """update public.user_symbols set strategy = '{"risk": "high"}' where user_id = $1""", user);
        var events = await PayloadsAsync(user);
        Assert.Equal(2, events.Count);
        Assert.True(Version(events[1]) > version);
    }

    [Fact]
    public async Task Events_have_unique_ids_and_start_undelivered_and_due()
    {
        var user = await db.CreateUserAsync("pro");
        await Sql.ExecuteAsync(db.Chat,
            "insert into public.user_symbols (user_id, symbol) values ($1, 'ETH/USDT'), ($1, 'SOL/USDT')", user);
        await using var command = Sql.Command(db.Chat, """
            select event_id, delivered_at is null, attempts, next_attempt_at <= now()
            from public.user_symbols_outbox
            where payload -> 'record' ->> 'user_id' = $1
            """, user.ToString());
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new HashSet<Guid>();
        while (await reader.ReadAsync())
        {
            Assert.True(ids.Add(reader.GetGuid(0)));
            Assert.True(reader.GetBoolean(1));
            Assert.Equal(0, reader.GetInt32(2));
            Assert.True(reader.GetBoolean(3));
        }

        Assert.Equal(2, ids.Count);
    }

    [Fact]
    public async Task The_next_undelivered_batch_is_read_through_the_partial_index()
    {
        // Enough delivered rows that the planner prefers the index even on a small table.
        await Sql.ExecuteAsync(db.Chat, """
            insert into public.user_symbols_outbox (payload, delivered_at)
            select jsonb_build_object('type', 'INSERT'), now() from generate_series(1, 5000)
            """);
        await Sql.ExecuteAsync(db.Chat, "analyze public.user_symbols_outbox");
        var plan = string.Join('\n', await Sql.ColumnAsync<string>(db.Chat, """
            explain select id, event_id, payload from public.user_symbols_outbox
            where delivered_at is null and next_attempt_at <= now()
            order by next_attempt_at, id limit 50
            for update skip locked
            """));
        Assert.Contains("user_symbols_outbox_pending_idx", plan, StringComparison.Ordinal);
    }
}
