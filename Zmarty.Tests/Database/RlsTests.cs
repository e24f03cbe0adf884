using Npgsql;

namespace Zmarty.Tests.Database;

/// <summary>Supabase A's row level security, exercised the way PostgREST runs a request.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class RlsTests(DatabaseFixture db)
{
    private const string InsufficientPrivilege = "42501";

    /// <summary>Every table and view of A that holds per-user rows, and its user column.</summary>
    public static TheoryData<string, string> UserTables => new()
    {
        { "public.user_profiles", "id" },
        { "public.user_symbols", "user_id" },
        { "public.credits_ledger", "user_id" },
        { "public.credit_balance", "user_id" },
        { "public.credit_accounts", "user_id" },
        { "public.credit_holds", "user_id" },
    };

    private async Task<(Guid X, Guid Y)> TwoUsersWithRowsAsync()
    {
        var x = await db.CreateUserAsync("pro");
        var y = await db.CreateUserAsync("pro");
        foreach (var user in new[] { x, y })
        {
            await Sql.ExecuteAsync(db.Chat,
                "insert into public.user_symbols (user_id, symbol, timeframe) values ($1, 'BTC/USDT', '1h'), ($1, 'ETH/USDT', '4h')",
                user);
            await Sql.ExecuteAsync(db.Chat, "select public.credits_hold($1, 5, $2)", user, $"rls-hold-{user}");
        }

        return (x, y);
    }

    [Theory]
    [MemberData(nameof(UserTables))]
    public async Task A_user_sees_only_their_own_rows(string table, string userColumn)
    {
        var (x, y) = await TwoUsersWithRowsAsync();
        await Sql.AsRoleAsync(db.Chat, "authenticated", x, async connection =>
        {
            // Identifiers cannot be parameters; table and column come from the fixed list above.
            var owners = await Sql.ColumnAsync<Guid>(connection, $"select {userColumn} from {table}");
            Assert.NotEmpty(owners);
            Assert.All(owners, owner => Assert.Equal(x, owner));
            Assert.Equal(0L, await Sql.ScalarAsync<long>(connection,
                $"select count(*) from {table} where {userColumn} = $1", y));
        });
    }

    [Theory]
    [MemberData(nameof(UserTables))]
    public async Task Anon_sees_nothing(string table, string userColumn)
    {
        await TwoUsersWithRowsAsync();
        await Sql.AsRoleAsync(db.Chat, "anon", null, async connection =>
            await Sql.FailsAsync(connection, InsufficientPrivilege, $"select {userColumn} from {table}"));
    }

    [Fact]
    public async Task Anon_and_users_cannot_read_the_outbox_or_auth_users()
    {
        var (x, _) = await TwoUsersWithRowsAsync();
        foreach (var (role, user) in new[] { ("anon", (Guid?)null), ("authenticated", x) })
        {
            await Sql.AsRoleAsync(db.Chat, role, user, async connection =>
            {
                await Sql.FailsAsync(connection, InsufficientPrivilege, "select * from public.user_symbols_outbox");
                await Sql.FailsAsync(connection, InsufficientPrivilege, "select * from auth.users");
            });
        }
    }

    [Fact]
    public async Task A_user_cannot_write_the_ledger_or_their_balance()
    {
        var (x, _) = await TwoUsersWithRowsAsync();
        await Sql.AsRoleAsync(db.Chat, "authenticated", x, async connection =>
        {
            await Sql.FailsAsync(connection, InsufficientPrivilege,
                "insert into public.credits_ledger (user_id, delta, provider, reason) values ($1, 1000, 'topup', 'free money')", x);
            await Sql.FailsAsync(connection, InsufficientPrivilege, "update public.credits_ledger set delta = 1000 where user_id = $1", x);
            await Sql.FailsAsync(connection, InsufficientPrivilege, "delete from public.credits_ledger where user_id = $1", x);
            await Sql.FailsAsync(connection, InsufficientPrivilege, "update public.credit_accounts set balance = 1000000 where user_id = $1", x);
            await Sql.FailsAsync(connection, InsufficientPrivilege, "update public.credit_holds set status = 'released' where user_id = $1", x);
            await Sql.FailsAsync(connection, InsufficientPrivilege,
                "select public.credits_grant($1, 1000, 'topup', 'self-grant')", x);
            await Sql.FailsAsync(connection, InsufficientPrivilege, "select public.credits_release($1)", $"rls-hold-{x}");
            await Sql.FailsAsync(connection, InsufficientPrivilege, "update public.user_profiles set tier = 'enterprise' where id = $1", x);
            Assert.Equal(100L, await Sql.ScalarAsync<long>(connection, "select balance from public.credit_balance where user_id = $1", x));
        });
        await Sql.AsRoleAsync(db.Chat, "anon", null, async connection =>
            await Sql.FailsAsync(connection, InsufficientPrivilege,
                "insert into public.credits_ledger (user_id, delta, provider) values ($1, 1000, 'topup')", x));
    }

    /// <summary>A conversation of one question and its answer for <paramref name="user"/>, written as chat_settle writes it.</summary>
    private async Task<Guid> ConversationAsync(Guid user)
    {
        var id = Guid.NewGuid();
        await Sql.ExecuteAsync(db.Chat, "insert into public.conversations (id, user_id, title) values ($1, $2, 'BTC')", id, user);
        await Sql.ExecuteAsync(db.Chat, """
            insert into public.conversation_messages (conversation_id, user_id, role, content, content_tokens, request_id)
            values ($1, $2, 'user', 'How does BTC look?', 6, $3), ($1, $2, 'assistant', 'Fine.', 2, $3)
            """, id, user, $"rls-conversation-{id}");
        return id;
    }

    [Fact]
    public async Task A_user_reads_and_deletes_only_their_own_conversations_and_writes_none()
    {
        var x = await db.CreateUserAsync();
        var y = await db.CreateUserAsync();
        var mine = await ConversationAsync(x);
        var theirs = await ConversationAsync(y);
        await Sql.AsRoleAsync(db.Chat, "authenticated", x, async connection =>
        {
            Assert.Equal([mine], await Sql.ColumnAsync<Guid>(connection, "select id from public.conversations"));
            Assert.Equal([x, x], await Sql.ColumnAsync<Guid>(connection, "select user_id from public.conversation_messages"));
            Assert.Equal(0L, await Sql.ScalarAsync<long>(connection,
                "select count(*) from public.conversation_messages where conversation_id = $1", theirs));
            Assert.Equal(0, await Sql.ExecuteAsync(connection, "delete from public.conversation_messages where user_id = $1", y));
            Assert.Equal(0, await Sql.ExecuteAsync(connection, "delete from public.conversations where id = $1", theirs));
            await Sql.FailsAsync(connection, InsufficientPrivilege,
                "insert into public.conversations (user_id, title) values ($1, 'mine')", x);
            await Sql.FailsAsync(connection, InsufficientPrivilege,
                "insert into public.conversation_messages (conversation_id, user_id, role, content, content_tokens, request_id) " +
                "values ($1, $2, 'assistant', 'forged', 1, 'forged')", mine, x);
            await Sql.FailsAsync(connection, InsufficientPrivilege, "update public.conversations set title = 'renamed'");
            await Sql.FailsAsync(connection, InsufficientPrivilege, "update public.conversation_messages set content = 'forged'");
            Assert.Equal(1, await Sql.ExecuteAsync(connection, "delete from public.conversations where id = $1", mine));
        });
        await Sql.AsRoleAsync(db.Chat, "anon", null, async connection =>
        {
            await Sql.FailsAsync(connection, InsufficientPrivilege, "select id from public.conversations");
            await Sql.FailsAsync(connection, InsufficientPrivilege, "select id from public.conversation_messages");
        });
        Assert.Equal(2L, await Sql.ScalarAsync<long>(db.Chat,
            "select count(*) from public.conversation_messages where conversation_id = $1", theirs));
    }

    [Fact]
    public async Task The_service_role_writes_the_ledger_through_the_credit_functions()
    {
        var x = await db.CreateUserAsync();
        await Sql.AsRoleAsync(db.Chat, "service_role", null, async connection =>
        {
            Assert.Equal(150L, await Sql.ScalarAsync<long>(connection,
                "select balance from public.credits_grant($1, 50, 'topup', $2)", x, $"topup-{x}"));
            Assert.Equal(2L, await Sql.ScalarAsync<long>(connection,
                "select count(*) from public.credits_ledger where user_id = $1", x));
        });
    }

    [Fact]
    public async Task A_user_manages_only_their_own_symbols()
    {
        var (x, y) = await TwoUsersWithRowsAsync();
        await Sql.AsRoleAsync(db.Chat, "authenticated", x, async connection =>
        {
            Assert.Equal(1, await Sql.ExecuteAsync(connection,
                "insert into public.user_symbols (user_id, symbol) values ($1, 'SOL/USDT')", x));
            Assert.Equal(1, await Sql.ExecuteAsync(connection,
                "update public.user_symbols set strategy = '{\"risk\":\"low\"}' where user_id = $1 and symbol = 'SOL/USDT'", x));
            await Sql.FailsAsync(connection, InsufficientPrivilege,
                "insert into public.user_symbols (user_id, symbol) values ($1, 'SOL/USDT')", y);
            // Other users' rows are invisible, so updates and deletes of them touch nothing.
            Assert.Equal(0, await Sql.ExecuteAsync(connection, "update public.user_symbols set active = false where user_id = $1", y));
            Assert.Equal(0, await Sql.ExecuteAsync(connection, "delete from public.user_symbols where user_id = $1", y));
            // Moving one's own row to another user is refused by the policy's check.
            await Sql.FailsAsync(connection, InsufficientPrivilege,
                "update public.user_symbols set user_id = $2 where user_id = $1", x, y);
            Assert.Equal(1, await Sql.ExecuteAsync(connection, "delete from public.user_symbols where user_id = $1 and symbol = 'SOL/USDT'", x));
            Assert.Equal(1, await Sql.ExecuteAsync(connection, "update public.user_profiles set full_name = 'X' where id = $1", x));
        });
        Assert.Equal(2L, await Sql.ScalarAsync<long>(db.Chat, "select count(*) from public.user_symbols where user_id = $1", y));
    }

    [Fact]
    public async Task A_user_can_neither_truncate_nor_hang_a_trigger_on_the_symbols_table()
    {
        var (x, y) = await TwoUsersWithRowsAsync();
        await Sql.AsRoleAsync(db.Chat, "authenticated", x, async connection =>
        {
            await Sql.FailsAsync(connection, InsufficientPrivilege, "truncate public.user_symbols");
            // The review's escalation: a trigger of the user's, calling their own temporary
            // function, would run as whoever inserts next (the signup trigger's postgres included).
            await Sql.ExecuteAsync(connection,
                "create function pg_temp.spy() returns trigger language plpgsql as $$ begin return new; end $$");
            await Sql.FailsAsync(connection, InsufficientPrivilege,
                "create trigger spy after insert on public.user_symbols for each row execute function pg_temp.spy()");
        });
        Assert.Equal(2L, await Sql.ScalarAsync<long>(db.Chat, "select count(*) from public.user_symbols where user_id = $1", y));
    }

    [Fact]
    public async Task A_user_cannot_choose_the_id_version_or_timestamps_of_a_symbol()
    {
        var x = await db.CreateUserAsync("pro");
        await Sql.AsRoleAsync(db.Chat, "authenticated", x, async connection =>
        {
            // The review's repro: taking the next id makes the next user's insert fail on the key.
            await Sql.FailsAsync(connection, "428C9",
                "insert into public.user_symbols (id, user_id, symbol) values (1000000000, $1, 'ETH/USDT')", x);
            await Sql.FailsAsync(connection, InsufficientPrivilege,
                "insert into public.user_symbols (user_id, symbol, created_at, updated_at) values ($1, 'ETH/USDT', '1970-01-01', '1970-01-01')", x);
            await Sql.FailsAsync(connection, InsufficientPrivilege,
                "insert into public.user_symbols (user_id, symbol, version) values ($1, 'ETH/USDT', 1)", x);

            await Sql.ExecuteAsync(connection, "insert into public.user_symbols (user_id, symbol) values ($1, 'ETH/USDT')", x);
            await Sql.FailsAsync(connection, InsufficientPrivilege, "update public.user_symbols set created_at = '1970-01-01'");
            await Sql.FailsAsync(connection, InsufficientPrivilege, "update public.user_symbols set updated_at = '1970-01-01'");
            await Sql.FailsAsync(connection, InsufficientPrivilege, "update public.user_symbols set version = version + 100");
            await Sql.FailsAsync(connection, InsufficientPrivilege, "update public.user_symbols set id = default");
        });

        // Even the service key, which may name these columns, cannot backdate a row.
        await Sql.AsRoleAsync(db.Chat, "service_role", null, async connection =>
        {
            await Sql.ExecuteAsync(connection,
                "insert into public.user_symbols (user_id, symbol, created_at, updated_at) values ($1, 'SOL/USDT', '1970-01-01', '1970-01-01')", x);
            await Sql.ExecuteAsync(connection, "update public.user_symbols set created_at = '1970-01-01', active = false where user_id = $1", x);
            Assert.True(await Sql.ScalarAsync<bool>(connection,
                "select created_at > now() - interval '1 hour' and updated_at > now() - interval '1 hour' from public.user_symbols where user_id = $1", x));
        });
    }

    [Fact]
    public async Task Writing_another_users_symbol_is_refused_before_any_check_can_tell_about_them()
    {
        var x = await db.CreateUserAsync("pro");
        var y = await db.CreateUserAsync("free");
        await Sql.ExecuteAsync(db.Chat, "insert into public.user_symbols (user_id, symbol) values ($1, 'BTC/USDT')", y);

        // Y's profile is locked elsewhere: a check that locked it would time out here, not answer.
        await using var holder = await db.Chat.OpenConnectionAsync();
        await using var holding = await holder.BeginTransactionAsync();
        await Sql.ExecuteAsync(holder, "select 1 from public.user_profiles where id = $1 for update", y);

        await Sql.AsRoleAsync(db.Chat, "authenticated", x, async connection =>
        {
            await Sql.ExecuteAsync(connection, "set local lock_timeout = '10s'");
            // Y is at the free tier's limit: the review got ZS403 with Y's count in the detail.
            var ex = await Sql.FailsAsync(connection, InsufficientPrivilege,
                "insert into public.user_symbols (user_id, symbol) values ($1, 'ETH/USDT')", y);
            Assert.Null(ex.Detail);
            // An unknown user: the review got ZS404, which tells that the id does not exist.
            await Sql.FailsAsync(connection, InsufficientPrivilege,
                "insert into public.user_symbols (user_id, symbol) values ($1, 'ETH/USDT')", Guid.NewGuid());
            // Moving one's own row onto Y.
            await Sql.ExecuteAsync(connection, "insert into public.user_symbols (user_id, symbol) values ($1, 'ETH/USDT')", x);
            await Sql.FailsAsync(connection, InsufficientPrivilege,
                "update public.user_symbols set user_id = $2 where user_id = $1", x, y);
        });
        await holding.RollbackAsync();
    }

    [Fact]
    public async Task Paused_symbols_and_the_size_of_a_strategy_are_bounded()
    {
        var user = await db.CreateUserAsync("free");
        await Sql.AsRoleAsync(db.Chat, "authenticated", user, async connection =>
        {
            // The review inserted 500 paused rows; a free user keeps at most 20 in all.
            Assert.Equal(20, await Sql.ExecuteAsync(connection, """
                insert into public.user_symbols (user_id, symbol, active)
                select $1, 'P' || i || '/USDT', false from generate_series(1, 20) i
                """, user));
            var ex = await Sql.FailsAsync(connection, "ZS403",
                "insert into public.user_symbols (user_id, symbol, active) values ($1, 'MORE/USDT', false)", user);
            Assert.Equal("symbol limit reached: tier free keeps at most 20 symbols, active or paused", ex.MessageText);

            // 100 KB of strategy was accepted; the bound is 4096 bytes of JSON text, and an object.
            await Sql.ExecuteAsync(connection, "delete from public.user_symbols where symbol = 'P1/USDT'");
            await Sql.FailsAsync(connection, "ZS400",
                "insert into public.user_symbols (user_id, symbol, strategy) values ($1, 'BIG/USDT', jsonb_build_object('notes', repeat('x', 100000)))", user);
            await Sql.FailsAsync(connection, "ZS400",
                "insert into public.user_symbols (user_id, symbol, strategy) values ($1, 'ARR/USDT', '[1, 2]')", user);
            await Sql.FailsAsync(connection, "ZS400",
                "update public.user_symbols set strategy = jsonb_build_object('notes', repeat('x', 5000)) where symbol = 'P2/USDT'");
            Assert.Equal(1, await Sql.ExecuteAsync(connection,
                "insert into public.user_symbols (user_id, symbol, strategy) values ($1, 'FIT/USDT', jsonb_build_object('notes', repeat('x', 4000)))", user));
        });
    }

    [Theory]
    [InlineData("free", 1)]
    [InlineData("pro", 10)]
    public async Task A_user_cannot_exceed_the_tier_symbol_limit(string tier, int limit)
    {
        var user = await db.CreateUserAsync(tier);
        await Sql.AsRoleAsync(db.Chat, "authenticated", user, async connection =>
        {
            for (var i = 0; i < limit; i++)
            {
                await Sql.ExecuteAsync(connection, "insert into public.user_symbols (user_id, symbol) values ($1, $2)", user, $"S{i}/USDT");
            }

            var ex = await Sql.FailsAsync(connection, "ZS403",
                "insert into public.user_symbols (user_id, symbol) values ($1, 'LAST/USDT')", user);
            Assert.Equal(
                $"symbol limit reached: tier {tier} allows {limit} watched symbol{(limit == 1 ? "" : "s")}", ex.MessageText);

            // Reactivating a paused symbol counts too; pausing one makes room.
            await Sql.ExecuteAsync(connection, "update public.user_symbols set active = false where user_id = $1 and symbol = 'S0/USDT'", user);
            await Sql.ExecuteAsync(connection, "insert into public.user_symbols (user_id, symbol) values ($1, 'NEW/USDT')", user);
            await Sql.FailsAsync(connection, "ZS403",
                "update public.user_symbols set active = true where user_id = $1 and symbol = 'S0/USDT'", user);
            Assert.Equal((long)limit, await Sql.ScalarAsync<long>(connection,
                "select count(*) from public.user_symbols where user_id = $1 and active", user));
        });
    }

    [Fact]
    public async Task Enterprise_has_no_symbol_limit()
    {
        var user = await db.CreateUserAsync("enterprise");
        await Sql.AsRoleAsync(db.Chat, "authenticated", user, async connection =>
        {
            for (var i = 0; i < 25; i++)
            {
                await Sql.ExecuteAsync(connection, "insert into public.user_symbols (user_id, symbol) values ($1, $2)", user, $"E{i}/USDT");
            }

            Assert.Equal(25L, await Sql.ScalarAsync<long>(connection, "select count(*) from public.user_symbols"));
        });
    }

    [Fact]
    public async Task Concurrent_inserts_cannot_race_past_the_tier_limit()
    {
        var user = await db.CreateUserAsync("free");
        var attempts = Enumerable.Range(0, 8).Select(async i =>
        {
            try
            {
                await using var request = await Sql.BeginAsRoleAsync(db.Chat, "authenticated", user);
                await Sql.ExecuteAsync(request.Connection, "insert into public.user_symbols (user_id, symbol) values ($1, $2)", user, $"R{i}/USDT");
                await request.Transaction.CommitAsync();
                return true;
            }
            catch (PostgresException ex) when (ex.SqlState == "ZS403")
            {
                return false;
            }
        });
        var results = await Task.WhenAll(attempts);
        Assert.Equal(1, results.Count(r => r));
        Assert.Equal(1L, await Sql.ScalarAsync<long>(db.Chat,
            "select count(*) from public.user_symbols where user_id = $1 and active", user));
    }
}
