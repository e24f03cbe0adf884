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
                await using var connection = await db.Chat.OpenConnectionAsync();
                await using var transaction = await connection.BeginTransactionAsync();
                await Sql.ExecuteAsync(connection, "select set_config('request.jwt.claims', $1, true)",
                    $$"""{"sub":"{{user}}","role":"authenticated"}""");
                await Sql.ExecuteAsync(connection, "set local role authenticated");
                await Sql.ExecuteAsync(connection, "insert into public.user_symbols (user_id, symbol) values ($1, $2)", user, $"R{i}/USDT");
                await transaction.CommitAsync();
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
