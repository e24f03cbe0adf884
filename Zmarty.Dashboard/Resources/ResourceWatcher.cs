using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using Zmarty.Dashboard.Resources.Proto;
using Resource = Zmarty.Dashboard.Resources.Proto.Resource;

namespace Zmarty.Dashboard.Resources;

/// <summary>
/// The AppHost's resources as the dashboard knows them: one watch stream kept open (and reopened
/// after the AppHost's service drops it), each resource's latest state, and the console and command
/// calls the pages make.
/// </summary>
public sealed partial class ResourceWatcher(IOptions<DashboardOptions> options, ILogger<ResourceWatcher> logger) : BackgroundService
{
    private static readonly TimeSpan s_reconnectDelay = TimeSpan.FromSeconds(2);

    private readonly ResourceServiceOptions _options = options.Value.ResourceService;
    private readonly ConcurrentDictionary<string, (int Order, Resource Resource)> _resources = new(StringComparer.Ordinal);
    private GrpcChannel? _channel;

    /// <summary>False when the dashboard runs without an AppHost (no resource service configured).</summary>
    public bool IsConfigured => _options.Url.Length > 0;

    /// <summary>Whether the watch stream is open now.</summary>
    public bool IsConnected { get; private set; }

    /// <summary>Raised on the watcher's thread after each change.</summary>
    public event Action? Changed;

    public IReadOnlyList<Resource> Resources => [.. _resources.Values.OrderBy(r => r.Order).Select(r => r.Resource)];

    public async Task<ResourceCommandResponse> ExecuteAsync(string resource, string command, CancellationToken cancellationToken) =>
        await Client.ExecuteCommandAsync(
            new ResourceCommandRequest { ResourceName = resource, Command = command }, Headers, cancellationToken: cancellationToken);

    /// <summary>The resource's console lines kept so far, then each new one, until cancelled.</summary>
    public async IAsyncEnumerable<ConsoleLogLine> FollowConsoleAsync(string resource, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var call = Client.WatchConsoleLogs(new WatchConsoleLogsRequest { ResourceName = resource }, Headers, cancellationToken: cancellationToken);
        await foreach (var batch in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            foreach (var line in batch.Lines)
            {
                yield return line;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!IsConfigured)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var call = Client.WatchResources(new WatchResourcesRequest(), Headers, cancellationToken: stoppingToken);
                IsConnected = true;
                await foreach (var resource in call.ResponseStream.ReadAllAsync(stoppingToken))
                {
                    _resources.AddOrUpdate(resource.Name, (_resources.Count, resource), (_, old) => (old.Order, resource));
                    Changed?.Invoke();
                }
            }
            catch (RpcException ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.WatchLost(logger, ex.Status.Detail);
            }
            // Shutting down: the call was cancelled, or the channel disposed under it.
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            finally
            {
                IsConnected = false;
                Changed?.Invoke();
            }

            try
            {
                await Task.Delay(s_reconnectDelay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public override void Dispose()
    {
        _channel?.Dispose();
        base.Dispose();
    }

    private Metadata Headers => new() { { "x-resource-service-key", _options.Key } };

    private ResourceService.ResourceServiceClient Client =>
        new(_channel ??= GrpcChannel.ForAddress(_options.Url));

    private static partial class Log
    {
        [LoggerMessage(LogLevel.Warning, "Lost the AppHost's resource stream, reconnecting: {detail}")]
        public static partial void WatchLost(ILogger logger, string detail);
    }
}
