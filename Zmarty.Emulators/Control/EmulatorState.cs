using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Zmarty.Emulators.Control;

/// <summary>
/// What tests set and read: each provider's fault plan, how many calls it answered, and the last
/// requests it received (so a test can check what a service actually sent). Only the emulated
/// vendors have a state, so no request can make it grow.
/// </summary>
public sealed class EmulatorState
{
    private const int KeptRequests = 50;

    /// <summary>The vendors emulated here that a fault plan can be set for.</summary>
    public static readonly IReadOnlySet<string> Vendors =
        new HashSet<string>(["xai", "openai", "anthropic", "elevenlabs"], StringComparer.OrdinalIgnoreCase);

    private readonly ConcurrentDictionary<string, ProviderState> _providers = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The vendor's state; throws for a name that is not in <see cref="Vendors"/>.</summary>
    public ProviderState For(string provider) => Vendors.Contains(provider)
        ? _providers.GetOrAdd(provider, static _ => new ProviderState())
        : throw new ArgumentOutOfRangeException(nameof(provider), provider, "Not an emulated vendor.");

    public IReadOnlyDictionary<string, ProviderState> Providers => _providers;

    public void Reset() => _providers.Clear();

    public sealed class ProviderState
    {
        private readonly Lock _lock = new();
        private readonly Queue<JsonNode> _requests = new();
        private Fault _fault = Fault.None;
        private long _calls;

        public long Calls => Interlocked.Read(ref _calls);

        public Fault Fault
        {
            get { lock (_lock) { return _fault; } }
            set { lock (_lock) { _fault = value; } }
        }

        /// <summary>Counts the call, keeps its body, and returns the plan that applies to it (using up one of its times).</summary>
        public Fault Begin(JsonNode? request)
        {
            Interlocked.Increment(ref _calls);
            lock (_lock)
            {
                if (request is not null)
                {
                    _requests.Enqueue(request);
                    if (_requests.Count > KeptRequests)
                    {
                        _requests.Dequeue();
                    }
                }

                var applied = _fault;
                if (applied.Times is { } times)
                {
                    _fault = times <= 1 ? Fault.None with { LatencyMs = applied.LatencyMs } : applied with { Times = times - 1 };
                }

                return applied;
            }
        }

        public JsonNode[] Requests()
        {
            lock (_lock)
            {
                return [.. _requests.Select(r => r.DeepClone())];
            }
        }
    }
}
