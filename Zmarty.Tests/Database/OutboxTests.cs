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

        await using (var connection = await db.Chat.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await Sql.ExecuteAsync(connection, "select set_config('request.jwt.claims', $1, true)",
                JsonSerializer.Serialize(new { sub = user.ToString(), role = "authenticated" }));
            await Sql.ExecuteAsync(connection, "set local role authenticated");
            await Sql.ExecuteAsync(connection, "insert into public.user_symbols (user_id, symbol, timeframe) values ($1, 'BTC/USDT', '4h')", user);
            await Sql.ExecuteAsync(connection, "update public.user_symbols set active = false where user_id = $1", user);
            await Sql.ExecuteAsync(connection, "delete from public.user_symbols where user_id = $1", user);
            await transaction.CommitAsync();
        }

        var events = await PayloadsAsync(user);
        Assert.Equal(["INSERT", "UPDATE", "DELETE"], events.Select(e => e.GetProperty("type").GetString()));
        Assert.All(events, e =>
        {
            Assert.Equal("user_symbols", e.GetProperty("table").GetString());
            Assert.Equal("public", e.GetProperty("schema").GetString());
            Assert.Equal(["old_record", "record", "schema", "table", "type"], e.EnumerateObject().Select(p => p.Name).Order());
        });

        Assert.Equal(JsonValueKind.Null, events[0].GetProperty("old_record").ValueKind);
        Assert.Equal("BTC/USDT", events[0].GetProperty("record").GetProperty("symbol").GetString());
        Assert.Equal("4h", events[0].GetProperty("record").GetProperty("timeframe").GetString());
        Assert.True(events[0].GetProperty("record").GetProperty("active").GetBoolean());
        Assert.True(events[1].GetProperty("old_record").GetProperty("active").GetBoolean());
        Assert.False(events[1].GetProperty("record").GetProperty("active").GetBoolean());
        Assert.Equal(JsonValueKind.Null, events[2].GetProperty("record").ValueKind);
        Assert.Equal("BTC/USDT", events[2].GetProperty("old_record").GetProperty("symbol").GetString());
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
