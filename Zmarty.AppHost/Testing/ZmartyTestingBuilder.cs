using Zmarty.AppHost.Hosting;

namespace Zmarty.AppHost.Testing;

/// <summary>
/// Starts the local environment for a test, the way Aspire.Hosting.Testing's
/// DistributedApplicationTestingBuilder does: free ports, a throw-away data directory, and
/// everything stopped and deleted on dispose.
/// </summary>
public static class ZmartyTestingBuilder
{
    public static AppHostOptions CreateOptions()
    {
        var options = new AppHostOptions
        {
            RepositoryRoot = AppHostAssembly.FindRepositoryRoot(),
            // Under /tmp, which the postgres user can always reach, unlike a checkout in /root.
            DataDirectory = Path.Combine(Path.GetTempPath(), "zmarty-test-" + Guid.NewGuid().ToString("N")[..12]),
            DurableDatabases = false,
            DeleteDataOnDispose = true,
        };
        foreach (var resource in options.Ports.Keys.ToList())
        {
            options.Ports[resource] = 0;
        }

        return options;
    }

    /// <summary>Starts everything (or, with <paramref name="configure"/>, what the options say) and waits until healthy.</summary>
    public static Task<ZmartyApplication> StartAsync(
        Action<AppHostOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        var options = CreateOptions();
        configure?.Invoke(options);
        return ZmartyApplication.StartAsync(options, cancellationToken);
    }
}
