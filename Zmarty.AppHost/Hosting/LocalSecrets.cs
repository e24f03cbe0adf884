using System.Security.Cryptography;
using System.Text.Json;

namespace Zmarty.AppHost.Hosting;

/// <summary>
/// Secrets for the local environment, made on first run and kept in the data directory (git-ignored)
/// so tokens and webhook signatures stay valid across restarts.
/// </summary>
public sealed record LocalSecrets(string JwtSecret, string WebhookSecret, string AdminPassword, string DatabasePassword)
{
    private const string FileName = "secrets.json";

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    public static async Task<LocalSecrets> LoadOrCreateAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path))
        {
            await using var existing = File.OpenRead(path);
            var secrets = await JsonSerializer.DeserializeAsync<LocalSecrets>(existing, s_json, cancellationToken);
            if (secrets is not null)
            {
                return secrets;
            }
        }

        var created = new LocalSecrets(
            // Supabase's legacy HS256 secret is a string of at least 32 characters.
            JwtSecret: Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)),
            // Standard Webhooks: whsec_ and the base64 of at least 24 random bytes.
            WebhookSecret: "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            AdminPassword: RandomNumberGenerator.GetString("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 20),
            DatabasePassword: Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant());

        Directory.CreateDirectory(dataDirectory);
        await using (var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            await JsonSerializer.SerializeAsync(file, created, s_json, cancellationToken);
        }

        return created;
    }

    /// <summary>Reads the secrets without making any: null before the first run.</summary>
    public static LocalSecrets? TryLoad(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        return File.Exists(path) ? JsonSerializer.Deserialize<LocalSecrets>(File.ReadAllText(path), s_json) : null;
    }
}
