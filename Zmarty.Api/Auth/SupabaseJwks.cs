using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Zmarty.Api.Auth;

/// <summary>
/// Supabase's signing keys from its JWKS (Supabase publishes a JWKS, not OpenID metadata, so this
/// stands in for JwtBearer's metadata manager). Requests never wait on Supabase Auth while keys are
/// known: keys older than <see cref="SupabaseAuthOptions.JwksRefreshInterval"/> are served while a
/// background fetch replaces them. A token naming an unknown <c>kid</c> (a rotation) waits for one
/// fetch, but fetches for unknown keys, and JwtBearer's refresh requests, happen at most once per
/// <see cref="SupabaseAuthOptions.JwksUnknownKidInterval"/>, so junk tokens cannot hammer Auth. A fetch
/// that fails in any way keeps the keys already known.
/// </summary>
public sealed partial class SupabaseJwks(
    HttpClient http, IOptions<SupabaseAuthOptions> options, TimeProvider time, ILogger<SupabaseJwks> logger)
    : IConfigurationManager<OpenIdConnectConfiguration>
{
    private static readonly OpenIdConnectConfiguration s_noKeys = new();

    private readonly SupabaseAuthOptions _options = options.Value;
    private readonly SemaphoreSlim _fetching = new(1, 1);
    private OpenIdConnectConfiguration? _current;
    // Ticks, read without the lock by every request: a long is read whole, a DateTimeOffset is not.
    private long _fetchedAt;
    private long _attemptedAt;
    private int _refreshing;
    private volatile bool _refreshRequested;

    public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(CancellationToken cancel)
    {
        if (_current is not { } current)
        {
            // Throttled too: with Auth down and no key yet, HS256 tokens still work and nothing hammers Auth.
            return await FetchAsync(_options.JwksUnknownKidInterval, cancel) ?? s_noKeys;
        }

        var now = time.GetUtcNow().UtcTicks;
        if (now - Volatile.Read(ref _fetchedAt) >= _options.JwksRefreshInterval.Ticks || (_refreshRequested && CanRetry(now)))
        {
            RefreshInBackground();
        }

        return current;
    }

    /// <summary>Makes sure the key <paramref name="kid"/> is known, fetching the JWKS when it is not (throttled).</summary>
    public async Task EnsureKeyAsync(string kid, CancellationToken cancel)
    {
        if (_current is { } current && current.SigningKeys.Any(k => k.KeyId == kid))
        {
            return;
        }

        if (CanRetry(time.GetUtcNow().UtcTicks))
        {
            await FetchAsync(_options.JwksUnknownKidInterval, cancel);
        }
    }

    /// <summary>JwtBearer asks for this after every token with an unknown key; it waits for the throttle like any such fetch.</summary>
    public void RequestRefresh() => _refreshRequested = true;

    private bool CanRetry(long now) => now - Volatile.Read(ref _attemptedAt) >= _options.JwksUnknownKidInterval.Ticks;

    private void RefreshInBackground()
    {
        if (Interlocked.CompareExchange(ref _refreshing, 1, 0) != 0)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await FetchAsync(_options.JwksUnknownKidInterval, CancellationToken.None);
            }
            finally
            {
                Volatile.Write(ref _refreshing, 0);
            }
        });
    }

    /// <summary>The fetched keys, or the known ones (null when none) if the fetch failed or another one was too recent.</summary>
    private async Task<OpenIdConnectConfiguration?> FetchAsync(TimeSpan minimumGap, CancellationToken cancel)
    {
        await _fetching.WaitAsync(cancel);
        try
        {
            // Another request may have fetched while this one waited.
            if (time.GetUtcNow().UtcTicks - _attemptedAt < minimumGap.Ticks)
            {
                return _current;
            }

            Volatile.Write(ref _attemptedAt, time.GetUtcNow().UtcTicks);
            _refreshRequested = false;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            timeout.CancelAfter(_options.JwksFetchTimeout);
            var json = await http.GetStringAsync(_options.JwksUrl, timeout.Token);
            var configuration = new OpenIdConnectConfiguration();
            foreach (var key in new JsonWebKeySet(json).GetSigningKeys())
            {
                configuration.SigningKeys.Add(key);
            }

            _current = configuration;
            Volatile.Write(ref _fetchedAt, time.GetUtcNow().UtcTicks);
            LogFetched(logger, configuration.SigningKeys.Count);
            return configuration;
        }
        catch (Exception ex) when (!cancel.IsCancellationRequested)
        {
            // Auth unreachable, slow, or answering nonsense: tokens signed with keys already known stay valid.
            LogFetchFailed(logger, _current?.SigningKeys.Count ?? 0, ex.GetType().Name, ex.Message);
            return _current;
        }
        finally
        {
            _fetching.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Fetched Supabase JWKS: {KeyCount} signing keys")]
    private static partial void LogFetched(ILogger logger, int keyCount);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Could not fetch the Supabase JWKS ({ErrorType}: {Error}); keeping the {KeyCount} keys already known")]
    private static partial void LogFetchFailed(ILogger logger, int keyCount, string errorType, string error);
}
