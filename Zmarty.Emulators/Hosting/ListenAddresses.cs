using System.Net;

namespace Zmarty.Emulators.Hosting;

/// <summary>
/// Where the emulators listen. They hand out every user's prompts and install signing keys on request, so by default
/// every address they are given (<c>ASPNETCORE_URLS</c>, or <c>ASPNETCORE_HTTP_PORTS</c> as the container image sets it)
/// is bound on loopback only, whatever host it names: a wildcard (<c>*</c>, <c>+</c>, <c>0.0.0.0</c>) becomes
/// <c>127.0.0.1</c>. <c>Emulators:ListenAddress</c> (an IP address) binds there instead: the compose file sets
/// <c>0.0.0.0</c> so that the other containers reach the emulators by their service name; its AllowedHosts still
/// refuses every other host name.
/// </summary>
public static class ListenAddresses
{
    public const string ListenAddressKey = "Emulators:ListenAddress";

    /// <summary>The URLs to bind, or an error that names the setting at fault.</summary>
    public static (IReadOnlyList<string> Urls, string? Error) Resolve(IConfiguration configuration)
    {
        if (configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            return ([],
                "Kestrel:Endpoints is set; give the emulators their addresses through ASPNETCORE_URLS, which they bind on loopback.");
        }

        IPAddress? listen = null;
        if (configuration[ListenAddressKey] is { Length: > 0 } text && !IPAddress.TryParse(text, out listen))
        {
            return ([], $"{ListenAddressKey} is '{text}'; it must be an IP address (0.0.0.0 for every interface) or unset (loopback).");
        }

        var given = Given(configuration);
        var urls = new List<string>(given.Count);
        foreach (var url in given)
        {
            if (Rewrite(url, listen) is not { } bound)
            {
                return ([], $"'{url}' is not an address the emulators can listen on (scheme://host:port).");
            }

            urls.Add(bound);
        }

        return (urls, null);
    }

    /// <summary>What the host would bind: <c>urls</c>, else the HTTP and HTTPS ports on every interface, else Kestrel's default.</summary>
    private static List<string> Given(IConfiguration configuration)
    {
        if (configuration["urls"] is { Length: > 0 } urls)
        {
            return [.. urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        }

        var ports = Ports(configuration["http_ports"], "http").Concat(Ports(configuration["https_ports"], "https")).ToList();
        return ports.Count > 0 ? ports : ["http://localhost:5000"];
    }

    private static IEnumerable<string> Ports(string? ports, string scheme) =>
        (ports ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"{scheme}://*:{p}");

    private static string? Rewrite(string url, IPAddress? listen)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            return null;
        }

        var scheme = url[..schemeEnd];
        var rest = url[(schemeEnd + 3)..];
        var pathStart = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = pathStart < 0 ? rest : rest[..pathStart];
        var portStart = authority.LastIndexOf(':');
        if (portStart < 0 || authority.EndsWith(']'))
        {
            return null;
        }

        var host = authority[..portStart];
        var port = authority[(portStart + 1)..];
        if (!int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
        {
            return null;
        }

        var bound = listen is not null ? Host(listen)
            : IsLoopback(host) ? host
            : "127.0.0.1";
        return $"{scheme}://{bound}:{port}";
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    private static string Host(IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
}
