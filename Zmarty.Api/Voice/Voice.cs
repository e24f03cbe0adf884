using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Npgsql;
using Zmarty.Api.Auth;
using Zmarty.Api.Browser;
using Zmarty.Api.Extensions;

namespace Zmarty.Api.Voice;

/// <summary>ElevenLabs text-to-speech and the links voice replies are served at (section <c>Voice</c>).</summary>
public sealed class VoiceOptions
{
    public const string SectionName = "Voice";

    /// <summary>ElevenLabs' base URL; unset: <c>https://api.elevenlabs.io</c> with an API key, else the emulators.</summary>
    public Uri? Endpoint { get; set; }

    public string? ApiKey { get; set; }

    public string VoiceId { get; set; } = "21m00Tcm4TlvDq8ikWAM";

    public string ModelId { get; set; } = "eleven_multilingual_v2";

    /// <summary>How long a signed audio link works.</summary>
    public TimeSpan LinkLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Key of the links' HMAC. Unset: derived from Supabase:JwtSecret, so every instance agrees
    /// without another secret; a JWKS-only deployment must set it.
    /// </summary>
    public string? LinkSecret { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>ElevenLabs' base URL: <see cref="Endpoint"/>, else the real API with a key, else the emulators'.</summary>
    public string ResolveEndpoint(string emulators) =>
        (Endpoint?.ToString() ?? (string.IsNullOrEmpty(ApiKey) ? emulators.TrimEnd('/') + "/elevenlabs" : "https://api.elevenlabs.io"))
        .TrimEnd('/');

    /// <summary>The key sent: the configured one, else the one the emulators take.</summary>
    public string KeyOrEmulators => string.IsNullOrEmpty(ApiKey) ? Chat.Router.ProviderClients.EmulatorKey : ApiKey;
}

/// <summary>ElevenLabs <c>POST /v1/text-to-speech/{voice_id}</c> (docs/domain.md §7): text in, MP3 bytes out.</summary>
public sealed class ElevenLabsClient(HttpClient http, IOptions<VoiceOptions> options, IConfiguration configuration)
{
    private readonly VoiceOptions _options = options.Value;

    public async Task<byte[]> SpeakAsync(string text, CancellationToken cancellationToken)
    {
        var baseUrl = _options.ResolveEndpoint(EmulatorAddress.From(configuration));
        using var request = new HttpRequestMessage(
            HttpMethod.Post,
            $"{baseUrl}/v1/text-to-speech/{Uri.EscapeDataString(_options.VoiceId)}?output_format=mp3_44100_128")
        {
            Content = JsonContent.Create(new { text, model_id = _options.ModelId }),
        };
        request.Headers.Add("xi-api-key", _options.KeyOrEmulators);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        using var response = await http.SendAsync(request, timeout.Token);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsByteArrayAsync(timeout.Token);
    }
}

/// <summary>Voice replies in A's <c>chat_audio</c>, read only with the owner's id.</summary>
public sealed class AudioStore([FromKeyedServices("chat")] NpgsqlDataSource chat)
{
    public async Task<Guid> SaveAsync(Guid user, string requestId, byte[] audio, CancellationToken cancellationToken)
    {
        await using var command = chat.CreateCommand(
            "insert into public.chat_audio (user_id, request_id, content_type, audio) values ($1, $2, 'audio/mpeg', $3) returning id");
        command.Parameters.Add(new NpgsqlParameter { Value = user });
        command.Parameters.Add(new NpgsqlParameter { Value = requestId });
        command.Parameters.Add(new NpgsqlParameter { Value = audio });
        return (Guid)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The clip, when it exists and (with <paramref name="owner"/>) belongs to that user.</summary>
    public async Task<(string ContentType, byte[] Audio)?> FindAsync(Guid id, Guid? owner, CancellationToken cancellationToken)
    {
        await using var command = chat.CreateCommand(
            "select content_type, audio from public.chat_audio where id = $1 and ($2::uuid is null or user_id = $2)");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)owner ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetString(0), reader.GetFieldValue<byte[]>(1)) : null;
    }
}

/// <summary>
/// Unguessable expiring links to a clip: <c>{public base}/audio/{id}?expires={unix}&amp;sig={HMAC-SHA256(id.expires)}</c>,
/// absolute so that a page on another origin can play it. The id is random and the signature binds it to the expiry,
/// so a link works for nobody else's clip and not after it expires.
/// </summary>
public sealed class AudioLinks(
    IOptions<VoiceOptions> voice, IOptions<SupabaseAuthOptions> supabase, IOptions<BrowserOptions> browser, IHttpContextAccessor http,
    TimeProvider time)
{
    private readonly byte[] _key = voice.Value.LinkSecret is { Length: > 0 } secret
        ? Encoding.UTF8.GetBytes(secret)
        : HKDF.DeriveKey(HashAlgorithmName.SHA256,
            Encoding.UTF8.GetBytes(supabase.Value.JwtSecret ?? throw new InvalidOperationException(
                "Set Voice:LinkSecret: there is no Supabase:JwtSecret to derive the audio link key from.")),
            32, info: "zmarty audio links"u8.ToArray());

    public string Create(Guid id)
    {
        var expires = (time.GetUtcNow() + voice.Value.LinkLifetime).ToUnixTimeSeconds();
        return BrowserAccess.Absolute($"/audio/{id}?expires={expires}&sig={Sign(id, expires)}", browser.Value, http.HttpContext?.Request);
    }

    public bool Verify(Guid id, long expires, string? signature) =>
        signature is not null
        && time.GetUtcNow().ToUnixTimeSeconds() <= expires
        && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(id, expires)), Encoding.ASCII.GetBytes(signature));

    private string Sign(Guid id, long expires) =>
        Base64UrlEncode(HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{id:N}.{expires}"))));

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
