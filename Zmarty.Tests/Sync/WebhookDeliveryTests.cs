using Microsoft.Extensions.Options;
using Zmarty.Tests.Database;
using Zmarty.Worker.Relay;

namespace Zmarty.Tests.Sync;

/// <summary>The relay's side of a delivery: how a claim is split into POSTs, and a batch through the real receiver.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class WebhookDeliveryTests(DatabaseFixture db)
{
    private readonly Guid _user = Guid.NewGuid();

    private static WebhookDelivery Delivery(string secret, Uri? receiver = null, int eventsPerDelivery = 25, int maxBytes = 48 * 1024) =>
        new(new HttpClient(),
            Options.Create(new RelayOptions
            {
                ReceiverUrl = receiver ?? new Uri("http://127.0.0.1:1/hooks/watchers-upsert"),
                EventsPerDelivery = eventsPerDelivery,
                MaxDeliveryBytes = maxBytes,
            }),
            Options.Create(new WebhookSigningOptions { Secret = secret }),
            TimeProvider.System);

    private List<OutboxEvent> Events(int count, int firstVersion = 10) =>
        [.. Enumerable.Range(0, count).Select(i => new OutboxEvent(
            i + 1, Guid.NewGuid(), Payload.Insert(_user, $"C{i}/USDT", firstVersion + i), Attempts: 0, DateTimeOffset.UtcNow))];

    [Fact]
    public void A_claim_is_split_by_the_event_limit_and_by_the_byte_limit_and_an_oversized_event_goes_alone()
    {
        var secret = ReceiverHost.NewSecret();
        var events = Events(60);
        Assert.Equal([25, 25, 10], Delivery(secret).Split(events).Select(d => d.Count));

        // About 345 bytes an event: two fit in 1 KiB, a third would not.
        Assert.All(Delivery(secret, maxBytes: 1024).Split(events), d => Assert.Equal(2, d.Count));

        var note = new string('x', 2000);
        var large = new OutboxEvent(
            99, Guid.NewGuid(), Payload.Insert(_user, "BIG/USDT", 5, strategy: $$"""{"note": "{{note}}"}"""), 0, DateTimeOffset.UtcNow);
        Assert.Equal([1, 1, 1], Delivery(secret, maxBytes: 1024).Split([events[0], large, events[1]]).Select(d => d.Count));
        Assert.Equal(Enumerable.Repeat(1, 60), Delivery(secret, eventsPerDelivery: 1).Split(events).Select(d => d.Count));
    }

    [Fact]
    public async Task A_batch_is_delivered_to_the_receiver_in_one_post_or_fails_whole_with_each_events_next_attempt()
    {
        var secret = ReceiverHost.NewSecret();
        await using var host = await ReceiverHost.StartAsync(db, secret);
        var receiver = new Uri(host.Client.BaseAddress!, "/hooks/watchers-upsert");
        var events = Events(3);

        var refused = await Delivery(ReceiverHost.NewSecret(), receiver).DeliverAsync(events, CancellationToken.None);
        Assert.All(refused, o => Assert.False(o.Delivered));
        Assert.All(refused, o => Assert.StartsWith("HTTP 401", o.Error, StringComparison.Ordinal));
        Assert.All(refused, o => Assert.True(o.RetryAfter > TimeSpan.Zero));
        Assert.Equal(events, refused.Select(o => o.Event));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(db.Trading, "select count(*) from public.watchers where user_id = $1", _user));

        var delivered = await Delivery(secret, receiver).DeliverAsync(events, CancellationToken.None);
        Assert.All(delivered, o => Assert.True(o.Delivered, o.Error));
        Assert.Equal(["C0/USDT", "C1/USDT", "C2/USDT"],
            await Sql.ColumnAsync<string>(db.Trading, "select symbol from public.watchers where user_id = $1 order by symbol", _user));
    }
}
