using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Zmarty.Migrations;

/// <summary>
/// <c>zmarty-api migrate</c>, the Api image's second entry point: brings each Supabase project whose owner connection
/// string is given (<c>Migrate__ConnectionStrings__chat</c>, <c>__trading</c>) up to date and exits. It is what a
/// deploy runs before the services roll: Render's pre-deploy command, the Kubernetes init containers, compose's
/// migrate services. Exit codes: 0 up to date, 1 a migration failed (its file, line and SQLSTATE are logged),
/// 2 the settings are wrong.
/// </summary>
public static class MigrateProgram
{
    public const string Verb = "migrate";

    /// <summary>
    /// What follows the verb (configuration overrides such as <c>--Migrate:WaitSeconds=10</c>), or null when the arguments
    /// do not start with it. Render does not say whether a pre-deploy command replaces the image's entry point or is
    /// appended to it, so <c>/app/zmarty-service migrate</c> may arrive as the arguments of the same program: a first
    /// argument that names the program itself is passed over.
    /// </summary>
    public static string[]? Arguments(string[] args) => args switch
    {
        [Verb, .. var rest] => rest,
        [var self, Verb, .. var rest] when NamesThisProgram(self) => rest,
        _ => null,
    };

    private static bool NamesThisProgram(string path) =>
        Path.GetFileName(path) is var name && (name == "zmarty-service" || name == Path.GetFileName(Environment.ProcessPath));

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            // The Api's own appsettings are not the migrator's: only the environment and the command line count.
            DisableDefaults = true,
        });
        builder.Configuration.AddEnvironmentVariables().AddCommandLine(args);
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
        // An unknown key is refused, so a misspelt setting stops the run instead of being ignored.
        builder.Services.AddOptions<MigrateOptions>().BindConfiguration("Migrate", binder => binder.ErrorOnUnknownConfiguration = true);
        builder.Services.AddSingleton<IValidateOptions<MigrateOptions>, MigrateOptionsValidator>();
        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Zmarty.Migrations");
        MigrateOptions options;
        try
        {
            options = host.Services.GetRequiredService<IOptions<MigrateOptions>>().Value;
        }
        catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException)
        {
            MigrateLog.BadSettings(logger, ex is OptionsValidationException invalid ? string.Join(" ", invalid.Failures) : ex.Message);
            return 2;
        }

        using var stopping = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stopping.Cancel();
        };
        try
        {
            await MigrateCommand.RunAsync(options, logger, stopping.Token);
            return 0;
        }
        catch (MigrationException ex)
        {
            MigrateLog.Failed(logger, ex.Message);
            return 1;
        }
    }
}
