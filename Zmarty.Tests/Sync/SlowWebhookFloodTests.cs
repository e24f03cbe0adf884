using System.Net;
using Xunit.Abstractions;
using Zmarty.Tests.Chat;
using Zmarty.Webhooks;

namespace Zmarty.Tests.Sync;

/// <summary>
/// Webhook bodies that never arrive, from a sender nobody authenticated: each runs out of the receiver's 1 s budget before
/// its signature can be checked and is logged with the sender's webhook-id. What that leaves in B's error log.
/// </summary>
[Collection(ChatSystemCollection.Name)]
public sealed class SlowWebhookFloodTests(ChatSystemFixture system, ITestOutputHelper output) : ChatSystemTest
{
    private const string Receiver = "Zmarty.Api.Webhooks.WebhookReceiver";

    protected override ChatSystemFixture Running => system;

    [Fact]
    public async Task A_hundred_and_twenty_slow_junk_bodies_add_at_most_twenty_error_rows()
    {
        var since = DateTimeOffset.UtcNow;
        using var api = system.CreateApiClient();

        var statuses = await Task.WhenAll(Enumerable.Range(0, 120).Select(async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/watchers-upsert") { Content = new StalledBody() };
            request.Headers.TryAddWithoutValidation(StandardWebhooks.IdHeader, $"msg_stalled_{i}");
            request.Headers.TryAddWithoutValidation(StandardWebhooks.TimestampHeader, DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString());
            request.Headers.TryAddWithoutValidation(StandardWebhooks.SignatureHeader, "v1,bm90IGEgc2lnbmF0dXJl");
            using var response = await api.SendAsync(request);
            return response.StatusCode;
        }));

        // Nothing proved the sender: each is refused as too slow, and logged only as the receiver samples refusals.
        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.RequestTimeout, status));
        await Task.Delay(TimeSpan.FromSeconds(3));
        var rows = await RowsAsync(since);
        output.WriteLine($"120 stalled bodies: {rows} rows");
        Assert.InRange(rows, 1, 20);
    }

    private Task<long> RowsAsync(DateTimeOffset since) => system.ScalarAsync<long>(system.Trading,
        "select count(*) from ops.error_log where service = 'api' and at >= $1 and properties ->> 'category' = $2", since, Receiver);

    /// <summary>A body whose first byte comes at once and the rest never within the receiver's budget.</summary>
    private sealed class StalledBody : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync("{"u8.ToArray());
            await stream.FlushAsync();
            await Task.Delay(TimeSpan.FromSeconds(5));
            await stream.WriteAsync("}"u8.ToArray());
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
