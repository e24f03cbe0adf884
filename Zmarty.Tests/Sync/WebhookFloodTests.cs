using System.Net;
using Zmarty.Tests.Chat;
using Zmarty.Webhooks;

namespace Zmarty.Tests.Sync;

/// <summary>Unauthenticated junk sent to the running Api's webhook receiver, and what it leaves in B's error log.</summary>
[Collection(ChatSystemCollection.Name)]
public sealed class WebhookFloodTests(ChatSystemFixture system) : ChatSystemTest
{
    protected override ChatSystemFixture Running => system;

    [Fact]
    public async Task Three_hundred_junk_deliveries_add_a_handful_of_error_rows_and_none_carries_the_senders_bytes()
    {
        var junk = "JUNK" + new string('A', 8000);
        var since = DateTimeOffset.UtcNow;
        using var api = system.CreateApiClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 300; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/watchers-upsert") { Content = new StringContent("{}") };
            request.Headers.TryAddWithoutValidation(StandardWebhooks.IdHeader, $"msg_{i}");
            request.Headers.TryAddWithoutValidation(StandardWebhooks.TimestampHeader, junk);
            request.Headers.TryAddWithoutValidation(StandardWebhooks.SignatureHeader, "v1,bm90IGEgc2lnbmF0dXJl");
            using var response = await api.SendAsync(request);
            statuses.Add(response.StatusCode);
            Assert.DoesNotContain("AAAA", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        Assert.True(await Chats.EventuallyAsync(async () => await RefusalRowsAsync(since) > 0));
        // The writer flushes every second: give it a few more, so that rows it would still write are counted.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.InRange(await RefusalRowsAsync(since), 1, 3);
        Assert.Equal(0L, await system.ScalarAsync<long>(system.Trading,
            "select count(*) from ops.error_log where at >= $1 and (message like '%AAAA%' or properties::text like '%AAAA%')", since));
    }

    private Task<long> RefusalRowsAsync(DateTimeOffset since) => system.ScalarAsync<long>(system.Trading,
        "select count(*) from ops.error_log where service = 'api' and at >= $1 and message like 'Webhook refused%'", since);
}
