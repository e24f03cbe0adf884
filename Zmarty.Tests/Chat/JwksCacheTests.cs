using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Zmarty.Api.Auth;
using Zmarty.Api.Voice;

namespace Zmarty.Tests.Chat;

/// <summary>The JWKS cache against a Supabase Auth that is flooded, hangs or fails.</summary>
public sealed class JwksCacheTests
{
    private static readonly string s_keySet = KeySet("key-1");

    [Fact]
    public async Task Tokens_with_ever_new_unknown_key_ids_cause_at_most_one_fetch_per_interval()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var auth = new FakeAuth(_ => Task.FromResult(Ok(s_keySet)));
        var jwks = Create(auth, time);
        await jwks.GetConfigurationAsync(CancellationToken.None);

        // What JwtBearer does for each junk token: make sure of its key, fail, ask for a refresh, read the keys.
        for (var i = 0; i < 200; i++)
        {
            await jwks.EnsureKeyAsync($"junk-{i}", CancellationToken.None);
            jwks.RequestRefresh();
            await jwks.GetConfigurationAsync(CancellationToken.None);
        }

        await WaitForBackgroundFetchAsync(auth);
        Assert.Equal(1, auth.Calls);

        time.Advance(TimeSpan.FromSeconds(5));
        for (var i = 0; i < 200; i++)
        {
            await jwks.EnsureKeyAsync($"more-junk-{i}", CancellationToken.None);
        }

        Assert.Equal(2, auth.Calls);
    }

    [Fact]
    public async Task A_hanging_auth_server_does_not_hold_up_tokens_signed_with_known_keys()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var hang = new TaskCompletionSource<HttpResponseMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        var auth = new FakeAuth(call => call == 1 ? Task.FromResult(Ok(s_keySet)) : hang.Task);
        var jwks = Create(auth, time);
        await jwks.GetConfigurationAsync(CancellationToken.None);

        time.Advance(TimeSpan.FromMinutes(11));
        var configuration = await jwks.GetConfigurationAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("key-1", Assert.Single(configuration.SigningKeys).KeyId);
        await WaitForBackgroundFetchAsync(auth, calls: 2);
        hang.SetResult(new HttpResponseMessage(HttpStatusCode.GatewayTimeout));
    }

    [Theory]
    [InlineData("circuit")]
    [InlineData("timeout")]
    [InlineData("garbage")]
    [InlineData("refused")]
    public async Task A_failing_auth_server_keeps_the_known_keys(string failure)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var auth = new FakeAuth(call => call == 1 ? Task.FromResult(Ok(s_keySet)) : failure switch
        {
            "circuit" => throw new BrokenCircuitException("open"),
            "timeout" => throw new TimeoutRejectedException("too slow"),
            "garbage" => Task.FromResult(Ok("<html>not a key set</html>")),
            _ => throw new HttpRequestException("connection refused"),
        });
        var jwks = Create(auth, time);
        await jwks.GetConfigurationAsync(CancellationToken.None);

        time.Advance(TimeSpan.FromSeconds(10));
        await jwks.EnsureKeyAsync("rotated", CancellationToken.None);
        var configuration = await jwks.GetConfigurationAsync(CancellationToken.None);

        Assert.Equal(2, auth.Calls);
        Assert.Equal("key-1", Assert.Single(configuration.SigningKeys).KeyId);
    }

    [Fact]
    public void A_jwks_only_deployment_without_a_link_secret_stops_at_start_naming_the_key()
    {
        var jwksOnly = Options.Create(new SupabaseAuthOptions { JwksUrl = new("https://ref.supabase.co/auth/v1/.well-known/jwks.json") });

        var validator = new VoiceOptionsValidator(jwksOnly, TestEnvironments.Development);
        var missing = validator.Validate(null, new VoiceOptions());
        var tooShort = validator.Validate(null, new VoiceOptions { LinkSecret = "short" });
        var set = validator.Validate(null, new VoiceOptions { LinkSecret = new string('k', 32) });
        var production = new VoiceOptionsValidator(jwksOnly, TestEnvironments.Production)
            .Validate(null, new VoiceOptions { LinkSecret = new string('k', 32) });

        Assert.Contains("Voice:LinkSecret", missing.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("at least 32", tooShort.FailureMessage, StringComparison.Ordinal);
        Assert.True(set.Succeeded);
        Assert.Contains("Voice:ApiKey", production.FailureMessage, StringComparison.Ordinal);
    }

    private static SupabaseJwks Create(FakeAuth auth, TimeProvider time) => new(
        new HttpClient(auth),
        Options.Create(new SupabaseAuthOptions { JwksUrl = new("http://auth.test/jwks.json") }),
        time,
        NullLogger<SupabaseJwks>.Instance);

    private static async Task WaitForBackgroundFetchAsync(FakeAuth auth, int calls = 1)
    {
        for (var i = 0; i < 100 && auth.Calls < calls; i++)
        {
            await Task.Delay(20);
        }

        await Task.Delay(50);
    }

    private static HttpResponseMessage Ok(string body) => new(HttpStatusCode.OK) { Content = new StringContent(body) };

    private static string KeySet(string kid)
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var key = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(ecdsa) { KeyId = kid });
        return $$"""{"keys":[{"kty":"EC","crv":"P-256","kid":"{{kid}}","x":"{{key.X}}","y":"{{key.Y}}","alg":"ES256","use":"sig"}]}""";
    }

    private sealed class FakeAuth(Func<int, Task<HttpResponseMessage>> answer) : HttpMessageHandler
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            answer(Interlocked.Increment(ref _calls)).WaitAsync(cancellationToken);
    }
}
