using System.Collections;
using Zmarty.AppHost.Hosting;

namespace Zmarty.AppHost.Model;

/// <summary>
/// Collects the app model (what Aspire's IDistributedApplicationBuilder does), then builds the
/// application that runs it. A test may change the model before <see cref="Build"/>.
/// </summary>
public sealed class DistributedApplicationBuilder
{
    private readonly List<Resource> _resources = [];

    internal DistributedApplicationBuilder(string[] args, AppHostOptions options, IDictionary environment)
    {
        Args = args;
        Options = options;
        foreach (DictionaryEntry variable in environment)
        {
            Configuration[(string)variable.Key] = variable.Value as string;
        }
    }

    /// <summary>The command line, read when the application runs (verb, flags, <c>--RESOURCE-port</c>).</summary>
    public string[] Args { get; }

    /// <summary>How this run lays out the local environment (data directory, timeouts, log sink, ...).</summary>
    public AppHostOptions Options { get; }

    /// <summary>
    /// Settings from outside, as environment variables: <c>ConnectionStrings__NAME</c> points a
    /// database at an external server, <c>ZMARTY_RESOURCE_PORT</c> moves a port.
    /// </summary>
    public Dictionary<string, string?> Configuration { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<Resource> Resources => _resources;

    public ResourceBuilder<T> AddResource<T>(T resource) where T : Resource
    {
        if (_resources.Any(r => r.Name == resource.Name))
        {
            throw new AppHostException($"The app model already has a resource named '{resource.Name}'.");
        }

        _resources.Add(resource);
        return new ResourceBuilder<T>(this, resource);
    }

    /// <summary>The declared resource <paramref name="name"/>, to change it before the start.</summary>
    public ResourceBuilder<T> GetResource<T>(string name) where T : Resource =>
        _resources.OfType<T>().SingleOrDefault(r => r.Name == name) is { } resource
            ? new ResourceBuilder<T>(this, resource)
            : throw new ArgumentException($"The app model has no {typeof(T).Name} named '{name}'.", nameof(name));

    /// <summary>Drops a resource that nothing else needs (a database goes with its server).</summary>
    public void RemoveResource(string name)
    {
        var resource = _resources.SingleOrDefault(r => r.Name == name)
            ?? throw new ArgumentException($"The app model has no resource named '{name}'.", nameof(name));
        var removed = resource is PostgresServerResource server ? [server, .. server.Databases] : new List<Resource> { resource };
        var dependents = _resources
            .Except(removed)
            .Where(r => removed.Any(gone => DependsOn(r, gone)))
            .Select(r => r.Name)
            .ToList();
        if (dependents.Count > 0)
        {
            throw new InvalidOperationException(
                $"Cannot remove '{name}': {string.Join(", ", dependents)} reference or wait for it. Remove those first.");
        }

        _resources.RemoveAll(removed.Contains);
    }

    public DistributedApplication Build() => new(_resources.ToList(), Options, Configuration, Args);

    private static bool DependsOn(Resource resource, Resource other) =>
        resource.WaitsFor.Contains(other)
        || resource is ProjectResource project && project.References.Contains(other)
        || resource is DevTokensResource tokens && tokens.Users == other;
}
