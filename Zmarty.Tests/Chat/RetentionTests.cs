using Npgsql;

namespace Zmarty.Tests.Chat;

/// <summary>What the running Api prunes from A: old Idempotency-Key records and voice replies, nothing younger.</summary>
[Collection(ChatSystemCollection.Name)]
public sealed class RetentionTests(ChatSystemFixture system) : ChatSystemTest
{
    protected override ChatSystemFixture Running => system;

    [Fact]
    public async Task Keys_older_than_a_week_and_clips_older_than_thirty_days_are_deleted_and_younger_ones_kept()
    {
        var user = await system.CreateUserAsync("pro");
        await ExecuteAsync("""
            insert into public.chat_requests (user_id, idempotency_key, request_hash, status, created_at) values
              ($1, 'old-key', 'h', 'completed', now() - interval '8 days'),
              ($1, 'young-key', 'h', 'completed', now() - interval '6 days');
            insert into public.chat_audio (user_id, request_id, content_type, audio, created_at) values
              ($1, 'old-clip', 'audio/mpeg', '\x00', now() - interval '31 days'),
              ($1, 'young-clip', 'audio/mpeg', '\x00', now() - interval '29 days');
            """, user.Id);

        Assert.True(await Chats.EventuallyAsync(async () =>
            await KeysAsync(user) == "young-key" && await ClipsAsync(user) == "young-clip"));
    }

    [Fact]
    public async Task Pruning_refuses_a_retention_that_could_delete_a_running_requests_key()
    {
        var refused = await Assert.ThrowsAsync<PostgresException>(() =>
            system.ScalarAsync<object>(system.Chat, "select count(*) from public.chat_prune('10 minutes', '30 days')"));

        Assert.Equal("ZC400", refused.SqlState);
    }

    private Task<string> KeysAsync(TestUser user) => system.ScalarAsync<string>(system.Chat, """
        select coalesce(string_agg(idempotency_key, ',' order by idempotency_key), '') from public.chat_requests where user_id = $1
        """, user.Id);

    private Task<string> ClipsAsync(TestUser user) => system.ScalarAsync<string>(system.Chat,
        "select coalesce(string_agg(request_id, ',' order by request_id), '') from public.chat_audio where user_id = $1", user.Id);

    private async Task ExecuteAsync(string sql, Guid user)
    {
        await using var batch = system.Chat.CreateBatch();
        foreach (var statement in sql.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var command = batch.CreateBatchCommand();
            command.CommandText = statement;
            command.Parameters.Add(new NpgsqlParameter { Value = user });
            batch.BatchCommands.Add(command);
        }

        await batch.ExecuteNonQueryAsync();
    }
}
