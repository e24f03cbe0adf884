using Npgsql;
using Zmarty.Tests.Database;
using Zmarty.Worker.Relay;

namespace Zmarty.Tests.Sync;

/// <summary>The relay's SQL against the real A: which events a lane may claim, how outcomes are kept, notification, retention.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class OutboxRelayStoreTests(DatabaseFixture db)
{
    /// <summary>Other tests leave events undelivered (no relay runs here); these tests start from none.</summary>
    private Task DeliverEverythingAsync() =>
        Sql.ExecuteAsync(db.Chat, "update public.user_symbols_outbox set delivered_at = now() where delivered_at is null");

    private async Task<List<long>> EventIdsAsync(Guid user) =>
        await Sql.ColumnAsync<long>(db.Chat,
            "select id from public.user_symbols_outbox where coalesce(nullif(payload -> 'record', 'null'), payload -> 'old_record') ->> 'user_id' = $1 order by id",
            user.ToString());

    private static async Task<List<long>> ClaimAsync(NpgsqlConnection connection, NpgsqlTransaction transaction) =>
        [.. (await OutboxStore.ClaimAsync(connection, transaction, 10, CancellationToken.None)).Select(e => e.Id)];

    private async Task<List<long>> ClaimAndDeliverAsync()
    {
        await using var connection = await db.Chat.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var batch = await OutboxStore.ClaimAsync(connection, transaction, 10, CancellationToken.None);
        await OutboxStore.RecordAsync(connection, transaction, [.. batch.Select(e => new DeliveryOutcome(e, Delivered: true))]);
        await transaction.CommitAsync();
        return [.. batch.Select(e => e.Id)];
    }

    [Fact]
    public async Task A_lane_gets_only_the_oldest_undelivered_event_of_each_key_and_never_one_whose_predecessor_is_in_flight_or_backing_off()
    {
        await DeliverEverythingAsync();
        var user = await db.CreateUserAsync("pro");
        await Sql.ExecuteAsync(db.Chat, "insert into public.user_symbols (user_id, symbol) values ($1, 'BTC/USDT')", user);
        await Sql.ExecuteAsync(db.Chat, """update public.user_symbols set strategy = '{"n": 2}' where user_id = $1""", user);
        await Sql.ExecuteAsync(db.Chat, "insert into public.user_symbols (user_id, symbol) values ($1, 'ETH/USDT')", user);
        var (btcInsert, btcUpdate, ethInsert) = await EventIdsAsync(user) switch { [var a, var b, var c] => (a, b, c), var ids => throw new InvalidOperationException($"{ids.Count} events") };

        await using (var first = await db.Chat.OpenConnectionAsync())
        await using (var firstLane = await first.BeginTransactionAsync())
        {
            var batch = await OutboxStore.ClaimAsync(first, firstLane, 10, CancellationToken.None);
            Assert.Equal([btcInsert, ethInsert], batch.Select(e => e.Id));

            // Another lane, while the first holds its batch: the BTC update waits for the BTC insert.
            await using (var second = await db.Chat.OpenConnectionAsync())
            await using (var secondLane = await second.BeginTransactionAsync())
            {
                Assert.Empty(await ClaimAsync(second, secondLane));
            }

            await OutboxStore.RecordAsync(first, firstLane,
            [
                new DeliveryOutcome(batch[0], Delivered: false, "HTTP 503: budget", TimeSpan.FromHours(1)),
                new DeliveryOutcome(batch[1], Delivered: true),
            ]);
            await firstLane.CommitAsync();
        }

        // The BTC insert backs off for an hour, and its update waits behind it.
        Assert.Empty(await ClaimAndDeliverAsync());
        Assert.Equal("1 HTTP 503: budget t", await Sql.ScalarAsync<string>(db.Chat,
            "select concat_ws(' ', attempts, last_error, next_attempt_at > now() + interval '50 minutes') from public.user_symbols_outbox where id = $1", btcInsert));
        Assert.Equal("1 t", await Sql.ScalarAsync<string>(db.Chat,
            "select concat_ws(' ', attempts, delivered_at is not null) from public.user_symbols_outbox where id = $1", ethInsert));

        await Sql.ExecuteAsync(db.Chat, "update public.user_symbols_outbox set next_attempt_at = now() where id = $1", btcInsert);
        Assert.Equal([btcInsert], await ClaimAndDeliverAsync());
        Assert.Equal([btcUpdate], await ClaimAndDeliverAsync());
        Assert.Empty(await ClaimAndDeliverAsync());
    }

    [Fact]
    public async Task An_update_that_moves_a_symbol_waits_for_both_keys_and_holds_both_back()
    {
        await DeliverEverythingAsync();
        var user = await db.CreateUserAsync("pro");
        await Sql.ExecuteAsync(db.Chat, "insert into public.user_symbols (user_id, symbol) values ($1, 'BTC/USDT')", user);
        await Sql.ExecuteAsync(db.Chat, "insert into public.user_symbols (user_id, symbol, active) values ($1, 'SOL/USDT', false)", user);
        await Sql.ExecuteAsync(db.Chat, "delete from public.user_symbols where user_id = $1 and symbol = 'SOL/USDT'", user);
        await Sql.ExecuteAsync(db.Chat, "update public.user_symbols set symbol = 'SOL/USDT' where user_id = $1 and symbol = 'BTC/USDT'", user);
        await Sql.ExecuteAsync(db.Chat, "insert into public.user_symbols (user_id, symbol) values ($1, 'BTC/USDT')", user);
        var (btc, sol, solDeleted, moved, btcAgain) = await EventIdsAsync(user) switch
        {
            [var a, var b, var c, var d, var e] => (a, b, c, d, e),
            var ids => throw new InvalidOperationException($"{ids.Count} events"),
        };

        Assert.Equal([btc, sol], await ClaimAndDeliverAsync());
        // The move waits for SOL's delete; BTC's new insert waits for the move, which left BTC.
        Assert.Equal([solDeleted], await ClaimAndDeliverAsync());
        Assert.Equal([moved], await ClaimAndDeliverAsync());
        Assert.Equal([btcAgain], await ClaimAndDeliverAsync());
    }

    [Fact]
    public async Task A_batch_takes_due_events_oldest_first_up_to_its_size()
    {
        await DeliverEverythingAsync();
        var user = await db.CreateUserAsync("enterprise");
        await Sql.ExecuteAsync(db.Chat, """
            insert into public.user_symbols (user_id, symbol, timeframe)
            select $1, s, t from unnest(array['BTC/USDT', 'ETH/USDT', 'SOL/USDT', 'XRP/USDT']) s, unnest(array['1h', '4h', '1d']) t
            """, user);
        var ids = await EventIdsAsync(user);

        await using var connection = await db.Chat.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        Assert.Equal(ids.Take(10), await ClaimAsync(connection, transaction));
    }

    [Fact]
    public async Task A_committed_symbol_change_notifies_the_relays_channel()
    {
        await using var listener = await db.Chat.OpenConnectionAsync();
        var channels = new List<string>();
        listener.Notification += (_, e) => channels.Add(e.Channel);
        await Sql.ExecuteAsync(listener, $"listen {OutboxRelay.Channel}");
        var user = await db.CreateUserAsync("pro");

        await Sql.ExecuteAsync(db.Chat, "insert into public.user_symbols (user_id, symbol) values ($1, 'BTC/USDT'), ($1, 'ETH/USDT')", user);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await listener.WaitAsync(limit.Token);

        Assert.Equal([OutboxRelay.Channel], channels);
    }

    [Fact]
    public async Task Pruning_deletes_delivered_events_past_the_retention_and_nothing_undelivered()
    {
        var marker = Guid.NewGuid().ToString();
        await Sql.ExecuteAsync(db.Chat, """
            insert into public.user_symbols_outbox (payload, created_at, delivered_at) values
              (jsonb_build_object('marker', $1::text, 'case', 'old delivered'), now() - interval '10 days', now() - interval '10 days'),
              (jsonb_build_object('marker', $1::text, 'case', 'recent delivered'), now() - interval '10 days', now() - interval '1 hour'),
              (jsonb_build_object('marker', $1::text, 'case', 'old undelivered'), now() - interval '10 days', null)
            """, marker);

        var deleted = await OutboxStore.PruneAsync(db.Chat, TimeSpan.FromDays(7), CancellationToken.None);

        Assert.True(deleted >= 1);
        Assert.Equal(["old undelivered", "recent delivered"], await Sql.ColumnAsync<string>(db.Chat,
            "select payload ->> 'case' from public.user_symbols_outbox where payload ->> 'marker' = $1 order by 1", marker));
        await Sql.ExecuteAsync(db.Chat, "delete from public.user_symbols_outbox where payload ->> 'marker' = $1", marker);
    }
}
