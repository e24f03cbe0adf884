namespace Zmarty.Api.Extensions;

/// <summary>
/// Where the emulators answer, for every vendor that has no key configured: the AppHost's service discovery entry,
/// else their port in the emulators' launchSettings.json.
/// </summary>
public static class EmulatorAddress
{
    public static string From(IConfiguration configuration) => configuration["services:emulators:http:0"] ?? "http://127.0.0.1:5300";
}
