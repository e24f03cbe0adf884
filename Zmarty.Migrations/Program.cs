using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zmarty.Migrations;

// Brings one database up to date and exits: 0 when it is, 1 when a migration failed (the message names
// the file, line and SQLSTATE), 2 when the settings are wrong. The one-machine deployment runs it once
// per database before the services (deploy/compose).
var builder = Host.CreateApplicationBuilder(args);
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
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stopping.Cancel(); };
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
