using System.Collections;
using System.Globalization;

namespace Zmarty.AppHost.Hosting;

/// <summary>
/// <c>[up|env|token EMAIL] [--reset] [--data-dir DIR] [--RESOURCE-port N] [--migrate-external]</c>; ports also
/// from <c>ZMARTY_RESOURCE_PORT</c>, external databases from <c>ConnectionStrings__chat|trading</c>.
/// </summary>
internal sealed record CommandLine(string Verb, AppHostOptions Options, string? Argument = null)
{
    public static CommandLine Parse(string[] args, IDictionary environment)
    {
        var root = AppHostAssembly.FindRepositoryRoot();
        var options = new AppHostOptions
        {
            RepositoryRoot = root,
            DataDirectory = Path.Combine(root, ".zmarty"),
            Log = Console.Out.WriteLine,
        };

        foreach (var resource in options.Ports.Keys.ToList())
        {
            if (environment[options.PortEnvironmentName(resource)] is string fromEnvironment)
            {
                options.Ports[resource] = ParsePort(fromEnvironment, options.PortEnvironmentName(resource));
            }
        }

        foreach (var connection in new[] { ResourceNames.ChatConnection, ResourceNames.TradingConnection })
        {
            if (environment[$"ConnectionStrings__{connection}"] is string external && external.Length > 0)
            {
                options.ExternalConnectionStrings[connection] = external;
            }
        }

        var verb = "up";
        string? argument = null;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "up" or "env" or "token" when i == 0:
                    verb = arg;
                    break;
                case var _ when verb == "token" && argument is null && !arg.StartsWith("--", StringComparison.Ordinal):
                    argument = arg;
                    break;
                case "--reset":
                    options.Reset = true;
                    break;
                case "--migrate-external":
                    options.MigrateExternalDatabases = true;
                    break;
                case "--data-dir":
                    options.DataDirectory = Path.GetFullPath(ValueOf(args, ref i));
                    break;
                case "--pg-bin":
                    options.PostgresBinDirectory = ValueOf(args, ref i);
                    break;
                default:
                    var resource = options.Ports.Keys.FirstOrDefault(r => options.PortOptionName(r) == arg)
                        ?? throw new AppHostException(
                            $"Unknown option '{arg}'. Options: --reset, --data-dir DIR, --migrate-external, --pg-bin DIR, " +
                            string.Join(", ", options.Ports.Keys.Select(r => options.PortOptionName(r) + " N")) + ".");
                    options.Ports[resource] = ParsePort(ValueOf(args, ref i), arg);
                    break;
            }
        }

        return new CommandLine(verb, options, argument);
    }

    private static string ValueOf(string[] args, ref int i) =>
        ++i < args.Length ? args[i] : throw new AppHostException($"{args[i - 1]} needs a value.");

    private static int ParsePort(string value, string source) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? port
            : throw new AppHostException($"{source} must be a port number from 1 to 65535, not '{value}'.");
}
