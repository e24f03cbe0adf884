namespace Zmarty.Tests.Chat;

/// <summary>Resolved credit holds are pruned with the chat's Idempotency-Key records (an open one is released first).</summary>
[Collection(ChatSystemCollection.Name)]
public sealed class HoldRetentionTests(ChatSystemFixture system) : ChatSystemTest
{
    protected override ChatSystemFixture Running => system;

    [Fact]
    public async Task Holds_settled_or_released_more_than_a_week_ago_are_deleted_and_younger_ones_kept()
    {
        var user = await system.CreateUserAsync("pro");
        await system.ScalarAsync<object>(system.Chat, """
            with inserted as (
              insert into public.credit_holds (request_id, user_id, amount, status, charged, created_at, resolved_at) values
                ('old-settled:' || $1, $1::uuid, 5, 'settled', 0, now() - interval '9 days', now() - interval '8 days'),
                ('old-released:' || $1, $1::uuid, 5, 'released', null, now() - interval '9 days', now() - interval '8 days'),
                ('young-settled:' || $1, $1::uuid, 5, 'settled', 0, now() - interval '9 days', now() - interval '6 days')
              returning 1)
            select count(*) from inserted
            """, user.Id.ToString());

        Assert.True(await Chats.EventuallyAsync(async () => await HoldsAsync(user) == $"young-settled:{user.Id}"),
            await HoldsAsync(user));
    }

    private Task<string> HoldsAsync(TestUser user) => system.ScalarAsync<string>(system.Chat, """
        select coalesce(string_agg(request_id, ',' order by request_id), '') from public.credit_holds where user_id = $1
        """, user.Id);
}
