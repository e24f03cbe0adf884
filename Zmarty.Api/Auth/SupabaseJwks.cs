using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Zmarty.Api.Auth;

/// <summary>
/// Supabase's signing keys from its JWKS, cached for <see cref="SupabaseAuthOptions.JwksRefreshInterval"/>
/// and fetched again at once when a token names a key id the cache does not have (a rotation), at most
/// once per <see cref="SupabaseAuthOptions.JwksUnknownKidInterval"/>. Supabase publishes a JWKS, not
/// OpenID metadata, so this stands in for JwtBearer's metadata manager.
/// </summary>
public sealed partial class SupabaseJwks(
    HttpClient http, IOptions<SupabaseAuthOptions> options, TimeProvider time, ILogger<SupabaseJwks> logger)
    : IConfigurationManager<OpenIdConnectConfiguration>
{
    private readonly SupabaseAuthOptions _options = options.Value;
    private readonly SemaphoreSlim _fetching = new(1, 1);
    private OpenIdConnectConfiguration? _current;
    private DateTimeOffset _fetchedAt = DateTimeOffset.MinValue;

    public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(CancellationToken cancel)
    {
        if (_current is { } current && time.GetUtcNow() - _fetchedAt < _options.JwksRefreshInterval)
        {
            return current;
        }

        return await FetchAsync(minimumAge: TimeSpan.Zero, cancel);
    }

    /// <summary>Makes sure the key <paramref name="kid"/> is known, fetching the JWKS when it is not.</summary>
    public async Task EnsureKeyAsync(string kid, CancellationToken cancel)
    {
        if (_current is { } current && current.SigningKeys.Any(k => k.KeyId == kid))
        {
            return;
        }

        await FetchAsync(_options.JwksUnknownKidInterval, cancel);
    }

    public void RequestRefresh() => _fetchedAt = DateTimeOffset.MinValue;

    private async Task<OpenIdConnectConfiguration> FetchAsync(TimeSpan minimumAge, CancellationToken cancel)
    {
        await _fetching.WaitAsync(cancel);
        try
        {
            // Another request may have fetched while this one waited.
            if (_current is { } current && time.GetUtcNow() - _fetchedAt < minimumAge)
            {
                return current;
            }

            var json = await http.GetStringAsync(_options.JwksUrl, cancel);
            var configuration = new OpenIdConnectConfiguration();
            foreach (var key in new JsonWebKeySet(json).GetSigningKeys())
            {
                configuration.SigningKeys.Add(key);
            }

            _current = configuration;
            _fetchedAt = time.GetUtcNow();
            LogFetched(logger, configuration.SigningKeys.Count);
            return configuration;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or ArgumentException && _current is not null)
        {
            // Auth being briefly unreachable must not reject tokens signed with keys already known.
            LogFetchFailed(logger, ex);
            return _current!;
        }
        finally
        {
            _fetching.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Fetched Supabase JWKS: {KeyCount} signing keys")]
    private static partial void LogFetched(ILogger logger, int keyCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not fetch the Supabase JWKS; keeping the keys already known")]
    private static partial void LogFetchFailed(ILogger logger, Exception exception);
}
