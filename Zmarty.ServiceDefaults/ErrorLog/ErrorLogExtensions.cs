using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Zmarty.ServiceDefaults.ErrorLog;

public static class ErrorLogExtensions
{
    /// <summary>The connection string (and keyed data source) of Supabase B, where <c>ops.error_log</c> lives.</summary>
    public const string DataSourceName = "trading";

    /// <summary>
    /// Sends the service's warnings and errors to <c>ops.error_log</c> in B, when the service has a
    /// <c>trading</c> connection string (and registers its data source); a service without one
    /// (the emulators) logs as before.
    /// </summary>
    public static TBuilder AddErrorLog<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(DataSourceName)))
        {
            return builder;
        }

        builder.Services.AddOptions<ErrorLogOptions>()
            .BindConfiguration(ErrorLogOptions.Section, binder => binder.ErrorOnUnknownConfiguration = true)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(sp => new ErrorLogSink(sp.GetRequiredService<IOptions<ErrorLogOptions>>(), TimeProvider.System));
        var service = builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : builder.Environment.ApplicationName;
        builder.Services.AddSingleton<ILoggerProvider>(sp => new ErrorLogLoggerProvider(
            sp.GetRequiredService<ErrorLogSink>(), service, TimeProvider.System));
        builder.Services.AddHostedService<ErrorLogWriter>();
        return builder;
    }
}
