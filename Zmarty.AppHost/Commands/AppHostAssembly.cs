using System.Reflection;

namespace Zmarty.AppHost.Commands;

internal static class AppHostAssembly
{
    public static string Configuration { get; } =
        typeof(AppHostAssembly).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration
        ?? "Debug";

    /// <summary>The checkout this AppHost was built from: the nearest folder above it holding Zmarty.sln.</summary>
    public static string FindRepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Zmarty.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new AppHostException("Cannot find the Zmarty checkout (no Zmarty.sln above the AppHost or the current folder).");
    }
}
