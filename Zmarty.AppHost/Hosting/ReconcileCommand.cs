using System.Diagnostics;
using Zmarty.AppHost.Model;

namespace Zmarty.AppHost.Hosting;

/// <summary>
/// <c>./zmarty reconcile [--dry-run]</c>: runs the Api's <c>reconcile</c> command against the local
/// databases, with the environment the AppHost gives the Api (docs/runbook.md, "Reconcile").
/// </summary>
internal static class ReconcileCommand
{
    public static async Task<int> RunAsync(DistributedApplication app, string? option)
    {
        var api = app.Model.OfType<ProjectResource>().SingleOrDefault(p => p.Name == "api")
            ?? throw new AppHostException("The app model declares no api.");
        var secrets = LocalSecrets.TryLoad(app.Options.DataDirectory)
            ?? throw new AppHostException($"No local secrets in {app.Options.DataDirectory} yet: run ./zmarty up first.");
        var directory = Path.Combine(app.Options.RepositoryRoot, api.ProjectName);
        var assembly = Path.Combine(directory, "bin", app.Options.BuildConfiguration, "net10.0", api.ProjectName + ".dll");
        if (!File.Exists(assembly))
        {
            throw new AppHostException($"{assembly} does not exist. Build the solution first (dotnet build Zmarty.sln).");
        }

        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, UseShellExecute = false };
        start.ArgumentList.Add(assembly);
        start.ArgumentList.Add("reconcile");
        if (option is not null)
        {
            start.ArgumentList.Add(option);
        }

        foreach (var (key, value) in app.EnvironmentOf(api, secrets))
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new AppHostException("Could not start the Api's reconcile command.");
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}
