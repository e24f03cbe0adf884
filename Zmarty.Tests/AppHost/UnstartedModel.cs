using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Zmarty.AppHost.Commands;
using Zmarty.Testing;

namespace Zmarty.Tests.AppHost;

/// <summary>The AppHost's model built with the given arguments and never started, as <c>./zmarty env</c> reads it.</summary>
internal static class UnstartedModel
{
    /// <summary>Values for the kept secrets, as after a first <c>./zmarty up</c>.</summary>
    public static readonly string[] KeptSecrets =
    [
        "--Parameters:database-password=db-password", "--Parameters:jwt-secret=jwt", "--Parameters:webhook-secret=whsec_AAAA",
        "--Parameters:admin-password=admin-password",
    ];

    /// <summary>Builds the model, allocates the declared endpoints, and gives it to <paramref name="read"/>.</summary>
    public static async Task<T> ReadAsync<T>(string[] args, Func<DistributedApplicationModel, IConfiguration, Task<T>> read)
    {
        var builder = await TestSystem.CreateBuilderAsync(args);
        // Never started: the testing builder's dispose would wait out the shutdown timeout for a start.
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(1));
        await using var app = await builder.BuildAsync();
        var model = app.Services.GetRequiredService<DistributedApplicationModel>();
        DeclaredEndpoints.Allocate(model);
        return await read(model, builder.Configuration);
    }
}
