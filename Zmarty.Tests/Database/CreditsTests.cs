using Npgsql;

namespace Zmarty.Tests.Database;

/// <summary>The credit operations of Supabase A: atomic per user, idempotent per request id.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class CreditsTests(DatabaseFixture db)
{
    private sealed record Account(long Balance, long Held, long TransactionCount);

    private async Task<Account> AccountAsync(Guid user)
    {
        await using var command = Sql.Command(db.Chat,
            "select balance, held, transaction_count from public.credit_accounts where user_id = $1", user);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return new(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    private Task<long> LedgerSumAsync(Guid user) =>
        Sql.ScalarAsync<long>(db.Chat, "select coalesce(sum(delta), 0)::bigint from public.credits_ledger where user_id = $1", user);

    private Task<long> LedgerCountAsync(Guid user) =>
        Sql.ScalarAsync<long>(db.Chat, "select count(*) from public.credits_ledger where user_id = $1", user);

    private async Task AssertLedgerMatchesBalanceAsync(Guid user)
    {
        var account = await AccountAsync(user);
        Assert.Equal(account.Balance, await LedgerSumAsync(user));
        Assert.Equal(account.TransactionCount, await LedgerCountAsync(user));
        Assert.Equal(account.Balance, await Sql.ScalarAsync<long>(db.Chat,
            "select balance from public.credit_balance where user_id = $1", user));
    }

    [Fact]
    public async Task Signup_creates_the_profile_and_grants_the_bonus_once()
    {
        var user = await db.CreateUserAsync();
        Assert.Equal("free", await Sql.ScalarAsync<string>(db.Chat, "select tier from public.user_profiles where id = $1", user));
        Assert.Equal("Test User", await Sql.ScalarAsync<string>(db.Chat, "select full_name from public.user_profiles where id = $1", user));
        await using (var command = Sql.Command(db.Chat,
            "select delta, provider, reason, request_id from public.credits_ledger where user_id = $1", user))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal(100, reader.GetInt32(0));
            Assert.Equal("bonus", reader.GetString(1));
            Assert.Equal("signup bonus", reader.GetString(2));
            Assert.Equal($"signup:{user}", reader.GetString(3));
            Assert.False(await reader.ReadAsync());
        }

        // The same grant replayed (a re-run signup hook) is recognised, not paid again.
        Assert.True(await Sql.ScalarAsync<bool>(db.Chat,
            "select replayed from public.credits_grant($1, 100, 'bonus', $2, 'signup bonus')", user, $"signup:{user}"));
        Assert.Equal(new Account(100, 0, 1), await AccountAsync(user));
    }

    [Fact]
    public async Task Fifty_concurrent_holds_against_a_balance_for_twenty_let_exactly_twenty_through()
    {
        var user = await db.CreateUserAsync();
        await Sql.ExecuteAsync(db.Chat, "select public.credits_grant($1, 100, 'topup', $2)", user, $"topup-{user}");
        Assert.Equal(200L, (await AccountAsync(user)).Balance);

        // Watch the account while the holds race: available credit must never go below zero.
        using var stop = new CancellationTokenSource();
        var lowestAvailable = long.MaxValue;
        var watcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var available = await Sql.ScalarAsync<long>(db.Chat,
                    "select available from public.credit_balance where user_id = $1", user);
                lowestAvailable = Math.Min(lowestAvailable, available);
            }
        });

        using var start = new SemaphoreSlim(0);
        var holds = Enumerable.Range(0, 50).Select(async i =>
        {
            await using var connection = await db.Chat.OpenConnectionAsync();
            await start.WaitAsync();
            try
            {
                await Sql.ExecuteAsync(connection, "select public.credits_hold($1, 10, $2)", user, $"race-{user}-{i}");
                return (i, ok: true);
            }
            catch (PostgresException ex) when (ex.SqlState == "ZC402")
            {
                Assert.Contains("\"required\": 10", ex.Detail, StringComparison.Ordinal);
                return (i, ok: false);
            }
        }).ToList();
        start.Release(50);
        var results = await Task.WhenAll(holds);
        await stop.CancelAsync();
        await watcher;

        Assert.Equal(20, results.Count(r => r.ok));
        Assert.True(lowestAvailable >= 0, $"available went to {lowestAvailable}");
        Assert.Equal(new Account(200, 200, 2), await AccountAsync(user));
        Assert.Equal(20L, await Sql.ScalarAsync<long>(db.Chat,
            "select count(*) from public.credit_holds where user_id = $1 and status = 'held'", user));

        // Settle the twenty at their full cost: the balance reaches zero, exactly.
        foreach (var (i, _) in results.Where(r => r.ok))
        {
            await Sql.ExecuteAsync(db.Chat, "select public.credits_settle($1, 10, 'grok')", $"race-{user}-{i}");
        }

        Assert.Equal(new Account(0, 0, 22), await AccountAsync(user));
        await AssertLedgerMatchesBalanceAsync(user);
    }

    [Fact]
    public async Task Replaying_a_settle_changes_nothing()
    {
        var user = await db.CreateUserAsync();
        var request = $"chat-{Guid.NewGuid()}";
        await Sql.ExecuteAsync(db.Chat, "select public.credits_hold($1, 30, $2)", user, request);

        const string Settle = """
            select ledger_id, amount, balance, replayed
            from public.credits_settle($1, 27, 'gpt', '{"input_tokens":1500,"output_tokens":2000}'::jsonb, 'chat')
            """;
        async Task<(long LedgerId, int Amount, long Balance, bool Replayed)> SettleAsync()
        {
            await using var command = Sql.Command(db.Chat, Settle, request);
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            return (reader.GetInt64(0), reader.GetInt32(1), reader.GetInt64(2), reader.GetBoolean(3));
        }

        var first = await SettleAsync();
        Assert.Equal(27, first.Amount);
        Assert.Equal(73L, first.Balance);
        Assert.False(first.Replayed);
        var ledger = await LedgerCountAsync(user);

        var replay = await SettleAsync();
        Assert.Equal((first.LedgerId, 27, 73L, true), replay);

        // Concurrent retries of the same settle, too, find the one charge.
        var retries = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => SettleAsync()));
        Assert.All(retries, r => Assert.Equal((first.LedgerId, 27, 73L, true), r));
        Assert.Equal(ledger, await LedgerCountAsync(user));
        Assert.Equal(new Account(73, 0, 2), await AccountAsync(user));
        await AssertLedgerMatchesBalanceAsync(user);

        Assert.Equal("""{"input_tokens": 1500, "output_tokens": 2000}""", await Sql.ScalarAsync<string>(db.Chat,
            "select units::text from public.credits_ledger where request_id = $1", request));
    }

    [Fact]
    public async Task Concurrent_replays_of_one_hold_reserve_once()
    {
        var user = await db.CreateUserAsync();
        var request = $"hold-{Guid.NewGuid()}";
        var replays = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
            await Sql.ScalarAsync<bool>(db.Chat, "select replayed from public.credits_hold($1, 40, $2)", user, request)));
        Assert.Equal(1, replays.Count(r => !r));
        Assert.Equal(new Account(100, 40, 1), await AccountAsync(user));

        await Sql.ThrowsAsync("ZC409", () => Sql.ExecuteAsync(db.Chat, "select public.credits_hold($1, 41, $2)", user, request));
    }

    [Fact]
    public async Task Settling_below_the_hold_frees_the_rest_and_above_it_is_capped_at_what_the_user_has()
    {
        var user = await db.CreateUserAsync();
        await Sql.ExecuteAsync(db.Chat, "select public.credits_hold($1, 20, 'low-' || $1::text)", user);
        Assert.Equal(6, await Sql.ScalarAsync<int>(db.Chat, "select amount from public.credits_settle('low-' || $1::text, 6, 'grok')", user));
        Assert.Equal(new Account(94, 0, 2), await AccountAsync(user));

        // Another hold stays untouched by the capped charge.
        await Sql.ExecuteAsync(db.Chat, "select public.credits_hold($1, 30, 'other-' || $1::text)", user);
        await Sql.ExecuteAsync(db.Chat, "select public.credits_hold($1, 10, 'high-' || $1::text)", user);
        Assert.Equal(64, await Sql.ScalarAsync<int>(db.Chat, "select amount from public.credits_settle('high-' || $1::text, 500, 'claude')", user));
        Assert.Equal(new Account(30, 30, 3), await AccountAsync(user));
        Assert.Equal("""{"held": 10, "capped": true, "requested": 500}""", await Sql.ScalarAsync<string>(db.Chat,
            "select metadata::text from public.credits_ledger where request_id = 'high-' || $1::text", user));

        // A zero cost settles without a ledger row.
        Assert.Equal(DBNull.Value, await Sql.ScalarAsync<object>(db.Chat,
            "select ledger_id from public.credits_settle('other-' || $1::text, 0, 'grok')", user));
        Assert.Equal(new Account(30, 0, 3), await AccountAsync(user));
        await AssertLedgerMatchesBalanceAsync(user);
    }

    [Fact]
    public async Task Release_gives_the_hold_back_and_conflicting_transitions_are_refused()
    {
        var user = await db.CreateUserAsync();
        var released = $"rel-{user}";
        var settled = $"set-{user}";
        await Sql.ExecuteAsync(db.Chat, "select public.credits_hold($1, 50, $2)", user, released);
        await Sql.ExecuteAsync(db.Chat, "select public.credits_hold($1, 50, $2)", user, settled);
        await Sql.ThrowsAsync("ZC402", () => Sql.ExecuteAsync(db.Chat, "select public.credits_hold($1, 1, $2)", user, $"x-{user}"));

        Assert.False(await Sql.ScalarAsync<bool>(db.Chat, "select replayed from public.credits_release($1)", released));
        Assert.True(await Sql.ScalarAsync<bool>(db.Chat, "select replayed from public.credits_release($1)", released));
        Assert.Equal(new Account(100, 50, 1), await AccountAsync(user));

        await Sql.ExecuteAsync(db.Chat, "select public.credits_settle($1, 50, 'gpt')", settled);
        await Sql.ThrowsAsync("ZC409", () => Sql.ExecuteAsync(db.Chat, "select public.credits_settle($1, 5, 'gpt')", released));
        await Sql.ThrowsAsync("ZC409", () => Sql.ExecuteAsync(db.Chat, "select public.credits_release($1)", settled));
        await Sql.ThrowsAsync("ZC404", () => Sql.ExecuteAsync(db.Chat, "select public.credits_settle('no-such-hold', 5, 'gpt')"));
        await Sql.ThrowsAsync("ZC400", () => Sql.ExecuteAsync(db.Chat, "select public.credits_hold($1, 0, $2)", user, $"zero-{user}"));
        await Sql.ThrowsAsync("ZC400", () => Sql.ExecuteAsync(db.Chat, "select public.credits_grant($1, -5, 'topup', $2)", user, $"neg-{user}"));
        Assert.Equal(new Account(50, 0, 2), await AccountAsync(user));
        await AssertLedgerMatchesBalanceAsync(user);
    }

    [Fact]
    public async Task Refunds_are_idempotent_and_never_exceed_the_charge()
    {
        var user = await db.CreateUserAsync();
        var charge = $"charge-{user}";
        await Sql.ExecuteAsync(db.Chat, "select public.credits_hold($1, 40, $2)", user, charge);
        await Sql.ExecuteAsync(db.Chat, "select public.credits_settle($1, 38, 'claude')", charge);

        Assert.False(await Sql.ScalarAsync<bool>(db.Chat, "select replayed from public.credits_refund($1, $2, 10)", $"refund-1-{user}", charge));
        Assert.True(await Sql.ScalarAsync<bool>(db.Chat, "select replayed from public.credits_refund($1, $2, 10)", $"refund-1-{user}", charge));
        await Sql.ThrowsAsync("ZC422", () => Sql.ExecuteAsync(db.Chat, "select public.credits_refund($1, $2, 29)", $"refund-2-{user}", charge));
        Assert.Equal(28, await Sql.ScalarAsync<int>(db.Chat, "select amount from public.credits_refund($1, $2)", $"refund-3-{user}", charge));
        await Sql.ThrowsAsync("ZC422", () => Sql.ExecuteAsync(db.Chat, "select public.credits_refund($1, $2)", $"refund-4-{user}", charge));

        Assert.Equal(new Account(100, 0, 4), await AccountAsync(user));
        Assert.Equal(2L, await Sql.ScalarAsync<long>(db.Chat,
            "select count(*) from public.credits_ledger where user_id = $1 and kind = 'refund' and provider = 'claude'", user));
        await AssertLedgerMatchesBalanceAsync(user);
    }

    [Fact]
    public async Task A_request_id_cannot_be_reused_for_a_different_grant()
    {
        var user = await db.CreateUserAsync();
        var request = $"ref-{user}";
        await Sql.ExecuteAsync(db.Chat, "select public.credits_grant($1, 200, 'referral', $2)", user, request);
        await Sql.ThrowsAsync("ZC409", () => Sql.ExecuteAsync(db.Chat, "select public.credits_grant($1, 50, 'referral', $2)", user, request));
        await Sql.ThrowsAsync("ZC404", () => Sql.ExecuteAsync(db.Chat, "select public.credits_grant($1, 50, 'topup', $2)", Guid.NewGuid(), $"ghost-{user}"));
        Assert.Equal(new Account(300, 0, 2), await AccountAsync(user));
    }

    [Fact]
    public async Task Grants_holds_and_refunds_each_have_their_own_request_id_namespace()
    {
        // The review's repro: the grant took the id the hold's charge needed, and the settle failed.
        var user = await db.CreateUserAsync();
        var request = $"shared-{user}";
        await Sql.ExecuteAsync(db.Chat, "select public.credits_hold($1, 5, $2)", user, request);
        await Sql.ExecuteAsync(db.Chat, "select public.credits_grant($1, 1, 'topup', $2)", user, request);
        Assert.Equal(5, await Sql.ScalarAsync<int>(db.Chat, "select amount from public.credits_settle($1, 5, 'gpt')", request));
        Assert.Equal(2, await Sql.ScalarAsync<int>(db.Chat, "select amount from public.credits_refund($1, $1, 2)", request));
        Assert.Equal(new Account(98, 0, 4), await AccountAsync(user));
        Assert.Equal(["charge", "grant", "refund"], await Sql.ColumnAsync<string>(db.Chat,
            "select kind from public.credits_ledger where request_id = $1 order by kind", request));
        await AssertLedgerMatchesBalanceAsync(user);
    }

    [Fact]
    public async Task Bad_input_is_zc400_an_unknown_user_zc404_and_nothing_is_written()
    {
        var user = await db.CreateUserAsync();
        var charge = $"bad-input-{user}";
        await Sql.ExecuteAsync(db.Chat, "select public.credits_hold($1, 10, $2)", user, charge);

        (string Sql, object?[] Args)[] badInput =
        [
            ("select public.credits_settle($1, 5, null)", [charge]),
            ("select public.credits_settle($1, 5, 'nope')", [charge]),
            ("select public.credits_settle($1, 5, 'topup')", [charge]),
            ("select public.credits_settle($1, -1, 'gpt')", [charge]),
            ("select public.credits_settle($1, 5, 'gpt', '[1]'::jsonb)", [charge]),
            ("select public.credits_grant($1, 5, 'gpt', $2)", [user, $"{charge}-g"]),
            ("select public.credits_grant($1, 5, null, $2)", [user, $"{charge}-g"]),
            ("select public.credits_grant(null, 5, 'topup', $1)", [$"{charge}-g"]),
            ("select public.credits_hold($1, 5, '')", [user]),
            ("select public.credits_hold($1, 5, $2)", [user, new string('r', 201)]),
            ("select public.credits_hold($1, 5, $2, '\"x\"'::jsonb)", [user, $"{charge}-h"]),
            ("select public.credits_refund($1, $2, -1)", [$"{charge}-r", charge]),
            ("select public.credits_refund($1, $2, 0)", [$"{charge}-r", charge]),
        ];
        foreach (var (sql, args) in badInput)
        {
            var ex = await Sql.ThrowsAsync("ZC400", () => Sql.ExecuteAsync(db.Chat, sql, args));
            Assert.DoesNotContain("exceeds", ex.MessageText, StringComparison.Ordinal);
        }

        // The review got ZC402 "0 available" for a user that does not exist.
        await Sql.ThrowsAsync("ZC404", () => Sql.ExecuteAsync(db.Chat, "select public.credits_hold($1, 5, $2)", Guid.NewGuid(), $"{charge}-ghost"));
        Assert.Equal(new Account(100, 10, 1), await AccountAsync(user));
        Assert.Equal(1L, await Sql.ScalarAsync<long>(db.Chat, "select count(*) from public.credit_holds where user_id = $1", user));
    }

    [Fact]
    public async Task Replaying_a_settle_with_another_amount_or_provider_is_a_conflict()
    {
        var user = await db.CreateUserAsync();
        var request = $"settle-{user}";
        await Sql.ExecuteAsync(db.Chat, "select public.credits_hold($1, 30, $2)", user, request);
        await Sql.ExecuteAsync(db.Chat, "select public.credits_settle($1, 27, 'gpt')", request);

        await Sql.ThrowsAsync("ZC409", () => Sql.ExecuteAsync(db.Chat, "select public.credits_settle($1, 28, 'gpt')", request));
        await Sql.ThrowsAsync("ZC409", () => Sql.ExecuteAsync(db.Chat, "select public.credits_settle($1, 27, 'claude')", request));
        Assert.True(await Sql.ScalarAsync<bool>(db.Chat, "select replayed from public.credits_settle($1, 27, 'gpt')", request));

        // A capped charge replays with the amount that was asked for, not the one charged.
        var capped = $"capped-{user}";
        await Sql.ExecuteAsync(db.Chat, "select public.credits_hold($1, 10, $2)", user, capped);
        Assert.Equal(73, await Sql.ScalarAsync<int>(db.Chat, "select amount from public.credits_settle($1, 500, 'grok')", capped));
        Assert.True(await Sql.ScalarAsync<bool>(db.Chat, "select replayed from public.credits_settle($1, 500, 'grok')", capped));
        await Sql.ThrowsAsync("ZC409", () => Sql.ExecuteAsync(db.Chat, "select public.credits_settle($1, 73, 'grok')", capped));
        Assert.Equal(new Account(0, 0, 3), await AccountAsync(user));
    }

    [Theory]
    [InlineData("select public.credits_hold($1, 5, $2)")]
    [InlineData("select public.credits_grant($1, 5, 'topup', $2)")]
    public async Task Two_users_racing_for_one_request_id_get_a_conflict_not_a_raw_error(string operation)
    {
        var (first, second) = (await db.CreateUserAsync(), await db.CreateUserAsync());
        var request = $"race-{Guid.NewGuid()}";

        // The first user's operation is written but not committed when the second one's arrives.
        await using var winner = await db.Chat.OpenConnectionAsync();
        await using var transaction = await winner.BeginTransactionAsync();
        await Sql.ExecuteAsync(winner, operation, first, request);

        await using var loser = await db.Chat.OpenConnectionAsync();
        var race = Sql.ExecuteAsync(loser, operation, second, request);
        await Sql.WaitUntilBlockedAsync(db.Chat, loser.ProcessID);
        await transaction.CommitAsync();

        await Sql.ThrowsAsync("ZC409", () => race);
        Assert.Equal(new Account(100, 0, 1), await AccountAsync(second));
    }

    [Theory]
    [InlineData("-1 hour")]
    [InlineData("0")]
    [InlineData("4 minutes 59 seconds")]
    [InlineData(null)]
    public async Task Expiring_holds_refuses_an_age_under_five_minutes(string? olderThan)
    {
        var user = await db.CreateUserAsync();
        await Sql.ExecuteAsync(db.Chat, "select public.credits_hold($1, 25, $2)", user, $"young-{user}");
        await Sql.ThrowsAsync("ZC400", () => Sql.ExecuteAsync(db.Chat, "select public.credits_release_expired($1::interval)", olderThan));
        Assert.Equal("held", await Sql.ScalarAsync<string>(db.Chat, "select status from public.credit_holds where request_id = $1", $"young-{user}"));
    }

    [Fact]
    public async Task Abandoned_holds_are_released_after_their_expiry()
    {
        var user = await db.CreateUserAsync();
        await Sql.ExecuteAsync(db.Chat, "select public.credits_hold($1, 25, $2)", user, $"old-{user}");
        await Sql.ExecuteAsync(db.Chat, "select public.credits_hold($1, 25, $2)", user, $"new-{user}");
        await Sql.ExecuteAsync(db.Chat, "update public.credit_holds set created_at = now() - interval '1 hour' where request_id = $1", $"old-{user}");

        Assert.True(await Sql.ScalarAsync<int>(db.Chat, "select public.credits_release_expired(interval '15 minutes')") >= 1);
        Assert.Equal("released", await Sql.ScalarAsync<string>(db.Chat, "select status from public.credit_holds where request_id = $1", $"old-{user}"));
        Assert.Equal("held", await Sql.ScalarAsync<string>(db.Chat, "select status from public.credit_holds where request_id = $1", $"new-{user}"));
        Assert.Equal(new Account(100, 25, 1), await AccountAsync(user));
    }

    [Fact]
    public async Task Deleting_a_user_removes_their_credit_rows()
    {
        var user = await db.CreateUserAsync();
        await Sql.ExecuteAsync(db.Chat, "select public.credits_hold($1, 5, $2)", user, $"del-{user}");
        await Sql.ExecuteAsync(db.Chat, "select public.credits_settle($1, 5, 'grok')", $"del-{user}");
        await Sql.ExecuteAsync(db.Chat, "delete from auth.users where id = $1", user);
        Assert.Equal(0L, await Sql.ScalarAsync<long>(db.Chat,
            "select (select count(*) from public.credits_ledger where user_id = $1) + (select count(*) from public.credit_accounts where user_id = $1) + (select count(*) from public.user_profiles where id = $1)",
            user));
    }

    [Fact]
    public async Task Every_account_balance_equals_its_ledger_sum()
    {
        await db.CreateUserAsync();
        Assert.Equal(0L, await Sql.ScalarAsync<long>(db.Chat, """
            select count(*) from public.credit_accounts a
            where a.balance <> (select coalesce(sum(l.delta), 0) from public.credits_ledger l where l.user_id = a.user_id)
               or a.transaction_count <> (select count(*) from public.credits_ledger l where l.user_id = a.user_id)
               or a.held <> (select coalesce(sum(h.amount), 0) from public.credit_holds h where h.user_id = a.user_id and h.status = 'held')
            """));
    }
}
