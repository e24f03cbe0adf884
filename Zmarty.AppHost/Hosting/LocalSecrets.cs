using System.Globalization;
using System.Text.Json;
using Zmarty.AppHost.Model;

namespace Zmarty.AppHost.Hosting;

/// <summary>
/// The values of the model's secrets, made on first run and kept in the data directory (git-ignored,
/// mode 0600) so tokens, webhook signatures and database passwords stay valid across restarts.
/// A secret added to the model later is made on the next start.
/// </summary>
public sealed class LocalSecrets
{
    private const string FileName = "secrets.json";

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    private readonly Dictionary<string, string> _values;

    private LocalSecrets(Dictionary<string, string> values) => _values = values;

    public static async Task<LocalSecrets> LoadOrCreateAsync(
        string dataDirectory, IEnumerable<ParameterResource> parameters, CancellationToken cancellationToken)
    {
        var secrets = TryLoad(dataDirectory) ?? new LocalSecrets(new(StringComparer.Ordinal));
        var made = false;
        foreach (var secret in parameters.Where(p => p.Secret && secrets.Find(p.Name) is null))
        {
            secrets._values[secret.Name] = secret.ValueFactory();
            made = true;
        }

        if (made)
        {
            Directory.CreateDirectory(dataDirectory);
            var path = Path.Combine(dataDirectory, FileName);
            var temporary = path + ".new";
            await using (var file = new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
                await JsonSerializer.SerializeAsync(file, secrets._values, s_json, cancellationToken);
            }

            File.Move(temporary, path, overwrite: true);
        }

        return secrets;
    }

    /// <summary>Reads the secrets without making any: null before the first run.</summary>
    public static LocalSecrets? TryLoad(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        return File.Exists(path)
            ? new LocalSecrets(new(JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path), s_json)!, StringComparer.Ordinal))
            : null;
    }

    /// <summary>A parameter's value: a secret from the file, a fixed value as declared.</summary>
    public string ValueOf(ParameterResource parameter) =>
        !parameter.Secret
            ? parameter.ValueFactory()
            : Find(parameter.Name) ?? throw new AppHostException(
                $"The local secret '{parameter.Name}' has not been made yet: run ./zmarty up once first.");

    /// <summary>
    /// By name, or by the name earlier versions used (<c>JwtSecret</c> for <c>jwt-secret</c>), so a
    /// data directory made before the app model keeps its database password.
    /// </summary>
    private string? Find(string name)
    {
        if (_values.TryGetValue(name, out var value))
        {
            return value;
        }

        var earlierName = string.Concat(name.Split('-').Select(part => CultureInfo.InvariantCulture.TextInfo.ToTitleCase(part)));
        return _values.GetValueOrDefault(earlierName);
    }
}
