using System.Text.Json;
using Npgsql;

namespace Zmarty.Tests.Database;

/// <summary>
/// A's two calls of a chat: <c>chat_begin</c> holds only for the profile the Api priced with and writes
/// nothing otherwise, nor when the hold does not fit; <c>chat_settle</c> charges and completes the key's
/// run in one transaction.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class ChatBeginTests(DatabaseFixture db)
{
    private sealed record Begin(string Outcome, string Tier, long Available, string[] Symbols, string? Response);

    /// <summary>A free user (1024 tokens, 10 a minute) expected as such unless told otherwise.</summary>
    private async Task<Begin> BeginAsync(
        Guid user, int amount, string requestId, string? key = null, string hash = "body-1", string? run = null,
        string tier = "free", int selected = 0, string[]? symbols = null)
    {
        await using var command = Sql.Command(db.Chat, """
            select outcome, tier, available, symbols, response::text
            from public.chat_begin(
              $1, $2::text[], $3, 1024, 10, $4, $5, $6, '{"kind":"chat"}', $7, $8, $9, interval '15 minutes', null, 0)
            """, user, symbols, tier, selected, amount, requestId, key, hash, run ?? requestId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return new(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetFieldValue<string[]>(3),
            reader.IsDBNull(4) ? null : reader.GetString(4));
    }

    private Task<long> HoldsAsync(Guid user) =>
        Sql.ScalarAsync<long>(db.Chat, "select count(*) from public.credit_holds where user_id = $1", user);

    private Task<long> KeysAsync(Guid user) =>
        Sql.ScalarAsync<long>(db.Chat, "select count(*) from public.chat_requests where user_id = $1", user);

    [Fact]
    public async Task A_profile_other_than_the_expected_one_is_returned_and_nothing_is_written()
    {
        var user = await db.CreateUserAsync("pro");
        await Sql.ExecuteAsync(db.Chat, "insert into public.user_symbols (user_id, symbol, timeframe) values ($1, 'BTC/USDT', '1h')", user);

        var otherTier = await BeginAsync(user, 5, $"chat:{Guid.NewGuid():N}:grok", key: "k", tier: "free", selected: 1);
        var otherCount = await BeginAsync(user, 5, $"chat:{Guid.NewGuid():N}:grok", key: "k", tier: "pro", selected: 0);
        var notWatched = await BeginAsync(
            user, 5, $"chat:{Guid.NewGuid():N}:grok", key: "k", tier: "pro", selected: 1, symbols: ["BTC/USDT", "ETH/USDT"]);

        Assert.All([otherTier, otherCount, notWatched], begin => Assert.Equal("read", begin.Outcome));
        Assert.Equal("pro", otherTier.Tier);
        Assert.Equal(["BTC/USDT"], otherTier.Symbols);
        Assert.Equal(100, otherTier.Available);
        Assert.Equal(0, await HoldsAsync(user));
        Assert.Equal(0, await KeysAsync(user));

        var held = await BeginAsync(user, 5, $"chat:{Guid.NewGuid():N}:grok", key: "k", tier: "pro", selected: 1, symbols: ["BTC/USDT"]);
        Assert.Equal(("held", 95L), (held.Outcome, held.Available));
    }

    [Fact]
    public async Task A_hold_that_does_not_fit_takes_its_key_claim_back_so_the_key_runs_after_a_top_up()
    {
        var user = await db.CreateUserAsync();

        var refused = await Assert.ThrowsAsync<PostgresException>(
            () => BeginAsync(user, 101, $"chat:{user:N}:k:run-1:grok", key: "k", run: $"chat:{user:N}:k:run-1"));
        Assert.Equal("ZC402", refused.SqlState);
        Assert.Equal(0, await HoldsAsync(user));
        Assert.Equal(0, await KeysAsync(user));

        await Sql.ExecuteAsync(db.Chat, "select public.credits_grant($1, 50, 'topup', $2)", user, $"topup-{user}");
        var held = await BeginAsync(user, 101, $"chat:{user:N}:k:run-2:grok", key: "k", run: $"chat:{user:N}:k:run-2");
        Assert.Equal(("held", 49L), (held.Outcome, held.Available));
        Assert.Equal($"chat:{user:N}:k:run-2", await Sql.ScalarAsync<string>(db.Chat,
            "select run_id from public.chat_requests where user_id = $1 and idempotency_key = 'k' and status = 'pending'", user));
    }

    [Fact]
    public async Task A_claimed_key_is_in_progress_until_its_run_settles_then_replayed_with_the_charge_A_made()
    {
        var user = await db.CreateUserAsync();
        var run = $"chat:{user:N}:k:run-1";
        Assert.Equal("held", (await BeginAsync(user, 20, $"{run}:grok", key: "k", run: run)).Outcome);

        var meanwhile = await BeginAsync(user, 20, $"chat:{user:N}:k:run-2:grok", key: "k", run: $"chat:{user:N}:k:run-2");
        var otherBody = await BeginAsync(user, 20, $"chat:{user:N}:k:run-3:grok", key: "k", hash: "body-2");
        Assert.Equal("in_progress", meanwhile.Outcome);
        Assert.Equal("different_body", otherBody.Outcome);

        // Only the run that holds the key completes it; the charge is made either way.
        await SettleAsync($"{run}:grok", 7, "k", "chat:someone-else");
        Assert.Equal("pending", await Sql.ScalarAsync<string>(db.Chat,
            "select status from public.chat_requests where user_id = $1 and idempotency_key = 'k'", user));
        await SettleAsync($"{run}:grok", 7, "k", run);

        var replay = await BeginAsync(user, 20, $"chat:{user:N}:k:run-4:grok", key: "k", run: $"chat:{user:N}:k:run-4");
        Assert.Equal("replay", replay.Outcome);
        using var stored = JsonDocument.Parse(replay.Response!);
        Assert.Equal("hello", stored.RootElement.GetProperty("text").GetString());
        Assert.Equal(7, stored.RootElement.GetProperty("credits_charged").GetInt32());
        Assert.Equal(93, stored.RootElement.GetProperty("credits_remaining").GetInt64());
        Assert.Equal(1, await HoldsAsync(user));
        Assert.Equal(-7L, await Sql.ScalarAsync<long>(db.Chat,
            "select sum(delta)::bigint from public.credits_ledger where user_id = $1 and kind = 'charge'", user));
    }

    [Fact]
    public async Task A_run_settled_without_its_reply_is_charged_and_its_key_is_then_not_kept_never_in_progress_or_run_again()
    {
        var user = await db.CreateUserAsync();
        var run = $"chat:{user:N}:k:run-1";
        Assert.Equal("held", (await BeginAsync(user, 20, $"{run}:grok", key: "k", run: run)).Outcome);

        await Sql.ExecuteAsync(db.Chat, """
            select public.chat_settle($1, 7, 'grok', '{"input_tokens":1}', '{}', 'k', $2, null,
                                      null, null, null, null, null, null, null)
            """, $"{run}:grok", run);

        var again = await BeginAsync(user, 20, $"chat:{user:N}:k:run-2:grok", key: "k", run: $"chat:{user:N}:k:run-2");
        Assert.Equal("not_kept", again.Outcome);
        Assert.Null(again.Response);
        Assert.Equal(93, again.Available);
        Assert.Equal($"completed {run}", await Sql.ScalarAsync<string>(db.Chat,
            "select status || ' ' || run_id from public.chat_requests where user_id = $1 and idempotency_key = 'k'", user));
        Assert.Equal(-7L, await Sql.ScalarAsync<long>(db.Chat,
            "select sum(delta)::bigint from public.credits_ledger where user_id = $1 and kind = 'charge'", user));
        Assert.Equal(1, await HoldsAsync(user));
    }

    private Task<int> SettleAsync(string requestId, int amount, string key, string run) => Sql.ExecuteAsync(db.Chat, """
        select public.chat_settle($1, $2, 'grok', '{"input_tokens":1}', '{}', $3, $4, '{"text":"hello","credits_charged":0}',
                                  null, null, null, null, null, null, null)
        """, requestId, amount, key, run);
}
