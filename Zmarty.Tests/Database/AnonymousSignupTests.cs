namespace Zmarty.Tests.Database;

/// <summary>The signup bonus goes to real accounts: an anonymous session gets it when it converts, once.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class AnonymousSignupTests(DatabaseFixture db)
{
    [Fact]
    public async Task An_anonymous_user_gets_a_profile_and_no_credits_and_the_bonus_once_when_converting()
    {
        var user = Guid.NewGuid();
        await Sql.ExecuteAsync(db.Chat, """
            insert into auth.users (id, aud, role, raw_app_meta_data, is_anonymous)
            values ($1, 'authenticated', 'authenticated', '{}', true)
            """, user);

        Assert.Equal(1L, await Sql.ScalarAsync<long>(db.Chat, "select count(*) from public.user_profiles where id = $1", user));
        Assert.Equal(0L, await BalanceAsync(user));
        Assert.Equal(0L, await GrantsAsync(user));

        // Converting: an e-mail linked, is_anonymous false. Then back and forth, and other updates.
        await Sql.ExecuteAsync(
            db.Chat, "update auth.users set is_anonymous = false, email = $2 where id = $1", user, $"{user:N}@example.com");
        await Sql.ExecuteAsync(db.Chat, "update auth.users set is_anonymous = true where id = $1", user);
        await Sql.ExecuteAsync(db.Chat, "update auth.users set is_anonymous = false where id = $1", user);
        await Sql.ExecuteAsync(db.Chat, "update auth.users set last_sign_in_at = now() where id = $1", user);

        Assert.Equal(100L, await BalanceAsync(user));
        Assert.Equal(1L, await GrantsAsync(user));
    }

    [Fact]
    public async Task A_user_who_signs_up_with_an_email_gets_the_bonus_at_signup_and_not_again()
    {
        var user = await db.CreateUserAsync();
        await Sql.ExecuteAsync(db.Chat, "update auth.users set is_anonymous = true where id = $1", user);
        await Sql.ExecuteAsync(db.Chat, "update auth.users set is_anonymous = false where id = $1", user);

        Assert.Equal(100L, await BalanceAsync(user));
        Assert.Equal(1L, await GrantsAsync(user));
    }

    private Task<long> BalanceAsync(Guid user) =>
        Sql.ScalarAsync<long>(db.Chat, "select coalesce((select balance from public.credit_accounts where user_id = $1), 0)", user);

    private Task<long> GrantsAsync(Guid user) => Sql.ScalarAsync<long>(
        db.Chat, "select count(*) from public.credits_ledger where user_id = $1 and kind = 'grant' and request_id = 'signup:' || $1", user);
}
