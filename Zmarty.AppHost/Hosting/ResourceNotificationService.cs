using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Zmarty.AppHost.Hosting;

public enum ResourceState
{
    NotStarted,
    Waiting,
    Starting,
    Running,
    Unhealthy,
    Stopping,
    Stopped,
    Exited,
    FailedToStart,

    /// <summary>A database server replaced by an external connection string: nothing runs locally.</summary>
    External,
}

/// <summary>What is known of a resource at one moment: what the resource table and the dashboard show.</summary>
public sealed record ResourceSnapshot(
    string Name,
    string Type,
    ResourceState State,
    string? Url = null,
    int? ProcessId = null,
    DateTimeOffset? StartedAt = null,
    int? ExitCode = null,
    int Restarts = 0,
    string? LastLogLines = null)
{
    /// <summary>The state as a person reads it: <c>running</c>, <c>failed to start</c>, ...</summary>
    public string StateText => State switch
    {
        ResourceState.NotStarted => "not started",
        ResourceState.FailedToStart => "failed to start",
        _ => State.ToString().ToLowerInvariant(),
    };
}

/// <summary>
/// The resources' states, published as they change, as Aspire's ResourceNotificationService:
/// subscribers get every change, tests wait for a state.
/// </summary>
public sealed class ResourceNotificationService
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ResourceSnapshot> _current = new(StringComparer.Ordinal);
    private readonly List<Channel<ResourceSnapshot>> _subscribers = [];

    internal ResourceNotificationService(IEnumerable<ResourceSnapshot> initial)
    {
        foreach (var snapshot in initial)
        {
            _current[snapshot.Name] = snapshot;
        }
    }

    /// <summary>Every resource's latest snapshot, in the model's order.</summary>
    public IReadOnlyList<ResourceSnapshot> Snapshots
    {
        get
        {
            lock (_lock)
            {
                return [.. _current.Values];
            }
        }
    }

    public ResourceSnapshot Get(string name)
    {
        lock (_lock)
        {
            return _current.TryGetValue(name, out var snapshot)
                ? snapshot
                : throw new ArgumentException($"The app model has no resource named '{name}'.", nameof(name));
        }
    }

    internal void Publish(string name, Func<ResourceSnapshot, ResourceSnapshot> change)
    {
        lock (_lock)
        {
            var next = change(_current[name]);
            if (next == _current[name])
            {
                return;
            }

            _current[name] = next;
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(next);
            }
        }
    }

    /// <summary>Every resource's current snapshot, then each change as it happens, until cancelled.</summary>
    public async IAsyncEnumerable<ResourceSnapshot> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<ResourceSnapshot>(new() { SingleReader = true });
        lock (_lock)
        {
            foreach (var snapshot in _current.Values)
            {
                channel.Writer.TryWrite(snapshot);
            }

            _subscribers.Add(channel);
        }

        try
        {
            await foreach (var snapshot in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return snapshot;
            }
        }
        finally
        {
            lock (_lock)
            {
                _subscribers.Remove(channel);
            }
        }
    }

    public async Task<ResourceSnapshot> WaitForResourceAsync(
        string name, Func<ResourceSnapshot, bool> predicate, CancellationToken cancellationToken = default)
    {
        await foreach (var snapshot in WatchAsync(cancellationToken))
        {
            if (snapshot.Name == name && predicate(snapshot))
            {
                return snapshot;
            }
        }

        throw new OperationCanceledException(cancellationToken);
    }

    public Task<ResourceSnapshot> WaitForResourceAsync(string name, ResourceState state, CancellationToken cancellationToken = default) =>
        WaitForResourceAsync(name, s => s.State == state, cancellationToken);

    /// <summary>Running and answering its health checks (for a project, <c>/health</c> answered 200).</summary>
    public Task<ResourceSnapshot> WaitForResourceHealthyAsync(string name, CancellationToken cancellationToken = default) =>
        WaitForResourceAsync(name, ResourceState.Running, cancellationToken);
}
