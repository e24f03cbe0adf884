using System.Text;
using Zmarty.Api.Webhooks;

namespace Zmarty.Tests.Sync;

public sealed class SymbolChangeTests
{
    private static readonly Guid s_user = Guid.Parse("0b7e3c1e-6a5d-4c1f-9f3e-2a1b0c9d8e7f");

    private static SymbolChange Parse(string payload)
    {
        var delivery = SymbolDelivery.Parse(Encoding.UTF8.GetBytes(payload), maxEvents: 1, out var error);
        Assert.True(delivery is { IsBatch: false }, error);
        return Assert.Single(delivery.Changes);
    }

    [Fact]
    public void An_insert_writes_its_record_at_the_events_version()
    {
        var change = Parse(Payload.Insert(s_user, "BTC/USDT", 42, strategy: """{"risk": "low"}""", timeframe: "4h"));

        Assert.Equal("INSERT", change.Operation);
        Assert.Equal(42, change.Version);
        var write = Assert.Single(change.Writes);
        Assert.Equal(new WatcherKey(s_user, "BTC/USDT", "4h"), write.Key);
        Assert.True(write.Active);
        Assert.Equal("""{"risk": "low"}""", write.StrategyJson);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero), write.SourceUpdatedAt);
        Assert.Equal(write.Key, change.Subject);
    }

    [Fact]
    public void A_delete_writes_the_old_row_inactive()
    {
        var change = Parse(Payload.Delete(s_user, "BTC/USDT", 43));

        var write = Assert.Single(change.Writes);
        Assert.False(write.Active);
        Assert.Equal("BTC/USDT", change.Subject.Symbol);
    }

    [Fact]
    public void An_update_that_moves_the_row_deactivates_the_old_key_and_writes_the_new_one()
    {
        var change = Parse(Payload.Change("UPDATE", Payload.Row(s_user, "ETH/USDT", "1d", 44), Payload.Row(s_user, "BTC/USDT", "1h", 40), 44));

        Assert.Equal([("BTC/USDT", false), ("ETH/USDT", true)], change.Writes.Select(w => (w.Key.Symbol, w.Active)));
        Assert.Equal("ETH/USDT", change.Subject.Symbol);
    }

    [Fact]
    public void A_timestamp_with_an_offset_is_kept_as_the_same_instant_in_utc()
    {
        var change = Parse(Payload.Insert(s_user, "BTC/USDT", 1).Replace("2026-11-25T08:00:00+00:00", "2026-11-25T09:30:00+01:30", StringComparison.Ordinal));

        Assert.Equal(TimeSpan.Zero, change.Writes[0].SourceUpdatedAt!.Value.Offset);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero), change.Writes[0].SourceUpdatedAt);
    }

    [Theory]
    [InlineData("\"version\": 42}", "\"version\": \"42\"}", "'version' must be a positive integer")]
    [InlineData("\"version\": 42}", "\"version\": [42]}", "'version' must be a positive integer")]
    [InlineData("\"type\": \"INSERT\"", "\"type\": \"\\ud800\"", "a lone surrogate")]
    public void A_signed_body_of_the_wrong_shape_is_refused_saying_what_not_thrown(string part, string hostile, string expected)
    {
        var payload = Payload.Insert(s_user, "BTC/USDT", 42);
        Assert.Contains(part, payload, StringComparison.Ordinal);

        var delivery = SymbolDelivery.Parse(
            Encoding.UTF8.GetBytes(payload.Replace(part, hostile, StringComparison.Ordinal)), maxEvents: 1, out var error);

        Assert.Null(delivery);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
