using System.Net;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Zmarty.AppHost.Model;
using Zmarty.Dashboard.Resources.Proto;
using Proto = Zmarty.Dashboard.Resources.Proto;

namespace Zmarty.AppHost.Hosting;

/// <summary>
/// The resource service the developer dashboard watches (Zmarty.Dashboard/Resources/resource_service.proto),
/// served by the AppHost itself on a free loopback port, as Aspire's AppHost serves its dashboard service.
/// Every call must carry the key the AppHost gave the dashboard.
/// </summary>
internal sealed class ResourceServiceHost : IAsyncDisposable
{
    public const string KeyHeader = "x-resource-service-key";

    private readonly WebApplication _web;

    private ResourceServiceHost(WebApplication web, Uri url, string key)
    {
        _web = web;
        Url = url;
        Key = key;
    }

    public Uri Url { get; }

    public string Key { get; }

    public static async Task<ResourceServiceHost> StartAsync(DistributedApplication app, CancellationToken cancellationToken)
    {
        var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(app);
        builder.Services.AddSingleton(new ResourceServiceKey(key));
        var web = builder.Build();
        web.MapGrpcService<ResourceServiceImpl>();
        await web.StartAsync(cancellationToken);
        var address = web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new ResourceServiceHost(web, new Uri(address), key);
    }

    public async ValueTask DisposeAsync()
    {
        // The dashboard's watch streams stay open until told: a short stop cuts them off.
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _web.StopAsync(grace.Token);
        await _web.DisposeAsync();
    }
}

internal sealed record ResourceServiceKey(string Value)
{
    public void Check(ServerCallContext context)
    {
        var given = context.RequestHeaders.GetValue(ResourceServiceHost.KeyHeader) ?? "";
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(Value)))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, $"The {ResourceServiceHost.KeyHeader} metadata is missing or wrong."));
        }
    }
}

internal sealed class ResourceServiceImpl(DistributedApplication app, ResourceServiceKey key) : Proto.ResourceService.ResourceServiceBase
{
    public override async Task WatchResources(WatchResourcesRequest request, IServerStreamWriter<Proto.Resource> responseStream, ServerCallContext context)
    {
        key.Check(context);
        await foreach (var snapshot in app.ResourceNotifications.WatchAsync(context.CancellationToken))
        {
            await responseStream.WriteAsync(ToMessage(snapshot), context.CancellationToken);
        }
    }

    public override async Task WatchConsoleLogs(WatchConsoleLogsRequest request, IServerStreamWriter<ConsoleLogLines> responseStream, ServerCallContext context)
    {
        key.Check(context);
        if (!app.ResourceNotifications.Snapshots.Any(s => s.Name == request.ResourceName))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"The app model has no resource named '{request.ResourceName}'."));
        }

        await foreach (var line in app.FollowConsoleAsync(request.ResourceName, context.CancellationToken))
        {
            await responseStream.WriteAsync(new ConsoleLogLines
            {
                Lines =
                {
                    new ConsoleLogLine { LineNumber = line.Number, Text = line.Text, IsStdErr = line.IsError, Time = Timestamp.FromDateTimeOffset(line.Time) },
                },
            }, context.CancellationToken);
        }
    }

    public override async Task<ResourceCommandResponse> ExecuteCommand(ResourceCommandRequest request, ServerCallContext context)
    {
        key.Check(context);
        var snapshot = app.ResourceNotifications.Snapshots.FirstOrDefault(s => s.Name == request.ResourceName);
        if (snapshot is null || !CommandsOf(snapshot).Contains(request.Command))
        {
            return new() { ErrorMessage = $"'{request.Command}' is not a command {request.ResourceName} takes now." };
        }

        try
        {
            await (request.Command switch
            {
                "stop" => app.StopResourceAsync(request.ResourceName),
                "start" => app.StartResourceAsync(request.ResourceName, context.CancellationToken),
                _ => app.RestartResourceAsync(request.ResourceName, context.CancellationToken),
            });
            return new() { Succeeded = true };
        }
        catch (AppHostException ex)
        {
            return new() { ErrorMessage = ex.Message };
        }
    }

    private Proto.Resource ToMessage(ResourceSnapshot snapshot)
    {
        var message = new Proto.Resource
        {
            Name = snapshot.Name,
            Type = snapshot.Type,
            State = snapshot.StateText,
            Url = snapshot.Url ?? "",
            Restarts = snapshot.Restarts,
            Commands = { CommandsOf(snapshot) },
            WaitsFor = { app.WaitsFor(snapshot.Name) },
        };
        if (snapshot.ProcessId is { } pid)
        {
            message.ProcessId = pid;
        }

        if (snapshot.ExitCode is { } exitCode)
        {
            message.ExitCode = exitCode;
        }

        if (snapshot.StartedAt is { } startedAt)
        {
            message.StartedAt = Timestamp.FromDateTimeOffset(startedAt);
        }

        foreach (var (name, value) in app.MaskedEnvironmentOf(snapshot.Name))
        {
            message.Environment.Add(new EnvironmentVariable { Name = name, Value = value ?? "", IsSecret = value is null });
        }

        return message;
    }

    /// <summary>What a developer may do to a resource in this state; the dashboard does not stop itself, and a database moves with its server.</summary>
    private static IEnumerable<string> CommandsOf(ResourceSnapshot snapshot) =>
        snapshot.Type is "dashboard" or "database" ? []
        : snapshot.State switch
        {
            ResourceState.Running or ResourceState.Unhealthy => ["stop", "restart"],
            ResourceState.Stopped or ResourceState.Exited or ResourceState.FailedToStart => ["start"],
            _ => [],
        };
}
