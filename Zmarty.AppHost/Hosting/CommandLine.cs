using System.Globalization;
using Zmarty.AppHost.Model;

namespace Zmarty.AppHost.Hosting;

/// <summary>
/// <c>[up|env|token EMAIL|reconcile [--dry-run]] [--reset] [--data-dir DIR] [--pg-bin DIR] [--migrate-external] [--no-dashboard] [--RESOURCE-port N]</c>.
/// Every resource with an endpoint gets <c>--RESOURCE-port</c> and <c>ZMARTY_RESOURCE_PORT</c> from its name.
/// </summary>
internal sealed record CommandLine(string Verb, string? Argument)
{
    /// <summary>Read by the app model itself (<see cref="ResourceBuilderExtensions.AddDashboard"/>), which then has no dashboard.</summary>
    public const string NoDashboardOption = "--no-dashboard";

    /// <summary><c>ZMARTY_DASHBOARD=false</c> does what <see cref="NoDashboardOption"/> does.</summary>
    public const string DashboardVariable = "ZMARTY_DASHBOARD";

    public static string PortOption(IResourceWithEndpoint resource) => $"--{resource.Name}-port";

    public static string PortVariable(IResourceWithEndpoint resource) =>
        $"ZMARTY_{resource.Name.Replace('-', '_').ToUpperInvariant()}_PORT";

    /// <summary>Reads the command line and the environment into <paramref name="options"/> and the resources' ports.</summary>
    public static CommandLine Apply(
        string[] args, IReadOnlyDictionary<string, string?> configuration, IReadOnlyList<Resource> model, AppHostOptions options)
    {
        var endpoints = model.Endpoints().ToList();
        foreach (var resource in endpoints)
        {
            if (configuration.GetValueOrDefault(PortVariable(resource)) is { Length: > 0 } fromEnvironment)
            {
                resource.Port = ParsePort(fromEnvironment, PortVariable(resource));
            }
        }

        var verb = "up";
        string? argument = null;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "up" or "env" or "token" or "reconcile" when i == 0:
                    verb = arg;
                    break;
                case var _ when verb == "token" && argument is null && !arg.StartsWith("--", StringComparison.Ordinal):
                    argument = arg;
                    break;
                case "--dry-run" when verb == "reconcile":
                    argument = arg;
                    break;
                case "--reset":
                    options.Reset = true;
                    break;
                case NoDashboardOption:
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
                    var resource = endpoints.FirstOrDefault(r => PortOption(r) == arg)
                        ?? throw new AppHostException(
                            $"Unknown option '{arg}'. Options: --reset, --data-dir DIR, --migrate-external, --pg-bin DIR, {NoDashboardOption}, " +
                            string.Join(", ", endpoints.Select(r => PortOption(r) + " N")) + ".");
                    resource.Port = ParsePort(ValueOf(args, ref i), arg);
                    break;
            }
        }

        return new CommandLine(verb, argument);
    }

    private static string ValueOf(string[] args, ref int i) =>
        ++i < args.Length ? args[i] : throw new AppHostException($"{args[i - 1]} needs a value.");

    private static int ParsePort(string value, string source) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? port
            : throw new AppHostException($"{source} must be a port number from 1 to 65535, not '{value}'.");
}
