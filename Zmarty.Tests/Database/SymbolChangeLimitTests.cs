using System.Security.Cryptography;
using Npgsql;

namespace Zmarty.Tests.Database;

/// <summary>A's own limit on a user's symbol changes, whoever writes them: PostgREST's roles and the Api, not the owner.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class SymbolChangeLimitTests(DatabaseFixture db)
{
    private const string Toggle = "update public.user_symbols set active = not active where user_id = $1";

    [Fact]
    public async Task Through_postgrest_a_user_makes_150_changes_an_hour_and_the_next_is_refused_with_zs429()
    {
        var user = await db.CreateUserAsync("enterprise");
        await using var request = await Sql.BeginAsRoleAsync(db.Chat, "authenticated", user);

        await Sql.ExecuteAsync(request.Connection, "insert into public.user_symbols (user_id, symbol) values ($1, 'BTC/USDT')", user);
        // An update that changes nothing is no change.
        await Sql.ExecuteAsync(request.Connection, "update public.user_symbols set active = active where user_id = $1", user);
        for (var i = 0; i < 149; i++)
        {
            await Sql.ExecuteAsync(request.Connection, Toggle, user);
        }

        var refused = await Sql.FailsAsync(request.Connection, "ZS429", Toggle, user);
        Assert.Equal("too many symbol changes: at most 150 per user per hour", refused.MessageText);
        await Sql.FailsAsync(request.Connection, "ZS429", "delete from public.user_symbols where user_id = $1", user);
    }

    [Fact]
    public async Task The_api_is_held_to_the_same_limit_and_the_owner_is_not()
    {
        var user = await db.CreateUserAsync("enterprise");
        await Sql.ExecuteAsync(db.Chat, "insert into public.user_symbols (user_id, symbol) values ($1, 'BTC/USDT')", user);

        // The owner (migrations, reconcile, an operator): not counted.
        for (var i = 0; i < 200; i++)
        {
            await Sql.ExecuteAsync(db.Chat, Toggle, user);
        }

        // The Api logs in as zmarty_api: here with a login of the test's own.
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        await Sql.ExecuteAsync(db.Chat, $"alter role zmarty_api with login password '{password}'");
        var asApi = new NpgsqlConnectionStringBuilder(db.App.GetConnectionString("chat")) { Username = "zmarty_api", Password = password };
        await using var api = NpgsqlDataSource.Create(asApi.ConnectionString);
        await using var connection = await api.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        for (var i = 0; i < 150; i++)
        {
            await Sql.ExecuteAsync(connection, Toggle, user);
        }

        await Sql.FailsAsync(connection, "ZS429", Toggle, user);
    }

    [Fact]
    public async Task A_window_that_has_ended_counts_again_from_one()
    {
        var user = await db.CreateUserAsync("enterprise");
        await Sql.ExecuteAsync(db.Chat, "insert into public.user_symbols (user_id, symbol) values ($1, 'BTC/USDT')", user);
        await Sql.ExecuteAsync(db.Chat,
            "insert into public.user_symbol_change_windows (user_id, window_start, changes) "
            + "values ($1, now() - interval '61 minutes', 150)",
            user);
        await using var request = await Sql.BeginAsRoleAsync(db.Chat, "authenticated", user);

        await Sql.ExecuteAsync(request.Connection, Toggle, user);
        await request.Transaction.CommitAsync();

        Assert.True(await Sql.ScalarAsync<bool>(db.Chat, """
            select changes = 1 and window_start > now() - interval '1 minute' from public.user_symbol_change_windows where user_id = $1
            """, user));
    }
}
