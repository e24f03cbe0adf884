using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Zmarty.AppHost.Commands;

/// <summary>
/// The Api's <c>reconcile [--dry-run]</c> (docs/runbook.md, "Symbol sync"), run with the environment the
/// AppHost gives the Api: <c>./zmarty reconcile</c>, and the Api's two reconcile commands in the dashboard.
/// </summary>
internal static partial class ApiReconcile
{
    public static IResourceBuilder<ProjectResource> WithReconcileCommands(this IResourceBuilder<ProjectResource> api)
    {
        var commands = new[] { ("reconcile-dry-run", "Reconcile (dry run)", true), ("reconcile", "Reconcile", false) };
        foreach (var (name, displayName, dryRun) in commands)
        {
            api.WithCommand(name, displayName, async context =>
            {
                var logger = context.Services.GetRequiredService<ResourceLoggerService>().GetLogger(context.ResourceName);
                using var output = new StringWriter();
                var exitCode = await RunAsync(api.Resource, dryRun, output, context.CancellationToken);
                foreach (var line in output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    LogOutput(logger, line);
                }

                return exitCode == 0
                    ? CommandResults.Success()
                    : CommandResults.Failure($"reconcile exited with {exitCode}; the Api's log has its report.");
            }, new CommandOptions
            {
                Description = dryRun
                    ? "Lists where B.watchers differs from A.user_symbols, in this log; changes nothing."
                    : "Repairs B.watchers from A.user_symbols through the receiver's own rules and lists what changed in this log.",
                ConfirmationMessage = dryRun ? null : "Repair B.watchers from A.user_symbols now?",
                IconName = "ArrowSync",
            });
        }

        return api;
    }

    public static async Task<int> RunAsync(ProjectResource api, bool dryRun, TextWriter output, CancellationToken cancellationToken)
    {
        var project = api.GetProjectMetadata().ProjectPath;
        var directory = Path.GetDirectoryName(project)!;
        var assembly = Path.Combine(
            directory, "bin", AppHostAssembly.Configuration, "net10.0", Path.GetFileNameWithoutExtension(project) + ".dll");
        if (!File.Exists(assembly))
        {
            throw new AppHostException($"{assembly} does not exist. Build the solution first (dotnet build Zmarty.sln).");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(assembly);
        start.ArgumentList.Add("reconcile");
        if (dryRun)
        {
            start.ArgumentList.Add("--dry-run");
        }

        foreach (var (key, value) in await EnvCommand.EnvironmentOfAsync(api))
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new AppHostException("Could not start the Api's reconcile command.");
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        while (await process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
        {
            await output.WriteLineAsync(line);
        }

        await process.WaitForExitAsync(cancellationToken);
        await output.WriteAsync(await errors);
        return process.ExitCode;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "reconcile: {Line}")]
    private static partial void LogOutput(ILogger logger, string line);
}
