using System.Text;
using Microsoft.Extensions.Options;
using Zmarty.Webhooks;
using Zmarty.Worker.Relay;

namespace Zmarty.Tests.Sync;

public sealed class StandardWebhooksTests
{
    // The test vector the Standard Webhooks reference libraries publish.
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string Id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long Timestamp = 1614265330;
    private static readonly byte[] s_body = Encoding.UTF8.GetBytes("""{"test": 2432232314}""");

    [Fact]
    public void Signing_reproduces_the_published_test_vector()
    {
        Assert.True(StandardWebhooks.TryParseSecret(Secret, out var key));
        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", StandardWebhooks.Sign(key, Id, Timestamp, s_body));
    }

    [Fact]
    public void Verification_accepts_any_listed_signature_under_any_configured_key_and_nothing_else()
    {
        StandardWebhooks.TryParseSecret(Secret, out var key);
        StandardWebhooks.TryParseSecret("whsec_" + Convert.ToBase64String(new byte[32]), out var other);
        var signature = StandardWebhooks.Sign(key, Id, Timestamp, s_body);

        Assert.True(StandardWebhooks.Verify([key], Id, Timestamp, s_body, signature));
        Assert.True(StandardWebhooks.Verify([other, key], Id, Timestamp, s_body, "v1,bm9wZQ== " + signature));
        Assert.False(StandardWebhooks.Verify([other], Id, Timestamp, s_body, signature));
        Assert.False(StandardWebhooks.Verify([key], Id, Timestamp + 1, s_body, signature));
        Assert.False(StandardWebhooks.Verify([key], "msg_other", Timestamp, s_body, signature));
        Assert.False(StandardWebhooks.Verify([key], Id, Timestamp, Encoding.UTF8.GetBytes("""{"test": 2432232315}"""), signature));
        Assert.False(StandardWebhooks.Verify([key], Id, Timestamp, s_body, signature.Replace("v1,", "v2,", StringComparison.Ordinal)));
        Assert.False(StandardWebhooks.Verify([key], Id, Timestamp, s_body, "v1,not base64!"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("whsec_not-base64")]
    [InlineData("whsec_c2hvcnQ=")]
    public void A_secret_that_is_not_base64_of_24_bytes_or_more_is_refused(string? secret) =>
        Assert.False(StandardWebhooks.TryParseSecret(secret, out _));

    [Fact]
    public void Retry_delays_grow_with_jitter_and_stop_at_the_cap()
    {
        var options = Options.Create(new RelayOptions { FirstRetryDelay = TimeSpan.FromSeconds(1), MaxRetryDelay = TimeSpan.FromSeconds(30) });
        var delivery = new WebhookDelivery(new HttpClient(), options, Options.Create(new WebhookSigningOptions { Secret = Secret }), TimeProvider.System);

        var first = Enumerable.Range(0, 200).Select(_ => delivery.RetryDelay(1)).ToList();
        var fifth = Enumerable.Range(0, 200).Select(_ => delivery.RetryDelay(5)).ToList();
        var late = Enumerable.Range(0, 200).Select(_ => delivery.RetryDelay(40)).ToList();

        Assert.True(first.Distinct().Count() > 100, "jitter: the first delays differ from one another");
        Assert.True(first.Average(d => d.TotalSeconds) < fifth.Average(d => d.TotalSeconds));
        Assert.All(first.Concat(fifth).Concat(late), d => Assert.InRange(d, TimeSpan.Zero, TimeSpan.FromSeconds(30)));
        Assert.All(late, d => Assert.Equal(TimeSpan.FromSeconds(30), d));
    }
}
