using System.Collections.Concurrent;
using System.Text.Json.Serialization;

namespace Zmarty.Emulators.Market;

/// <summary>What a test can make an endpoint do instead of answering normally.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FaultMode>))]
public enum FaultMode
{
    /// <summary>HTTP 500.</summary>
    Fail,

    /// <summary>Answer normally, after <see cref="Fault.DelayMilliseconds"/>.</summary>
    Slow,

    /// <summary>HTTP 429 with <c>Retry-After: </c><see cref="Fault.RetryAfterSeconds"/>.</summary>
    RateLimit,

    /// <summary>Cryptometer's <c>{"success":"false","error":"No Data"}</c>.</summary>
    NoData,

    /// <summary>HTTP 403, as a gateway answers a bad path or plan.</summary>
    Forbidden,

    /// <summary>Cryptometer's refusal: HTTP 200 with <c>{"success":"false","error":</c><see cref="Fault.Message"/><c>}</c>.</summary>
    Refuse,

    /// <summary>
    /// PostgREST's answer for a table the project does not have: HTTP 404 with PostgreSQL's code 42P01, as the owner's
    /// Supabase answers when he drops or renames one. For the owner's tables, whose faults are keyed by table name.
    /// </summary>
    MissingTable,
}

/// <summary>
/// A fault on one endpoint (<c>ohlcv</c>, <c>ls-ratio</c>, ..., <c>kingfisher</c>, or one of the owner's tables by name:
/// <c>kf_clusters</c>, <c>cryptoverse_risk_grid</c>, <c>cryptoverse_risk_time_bands_v2</c>), optionally for one symbol only,
/// for the next <see cref="Times"/> calls (null: until cleared).
/// </summary>
public sealed record Fault(
    string Endpoint, FaultMode Mode, int? Times = null, string? Symbol = null, int DelayMilliseconds = 0, int RetryAfterSeconds = 1,
    string Message = "Parameter is missing");

/// <summary>One call the emulator received, for tests that count calls.</summary>
public sealed record MarketCall(string Endpoint, string? Symbol, DateTimeOffset At, int Status);

/// <summary>
/// The faults tests have set and the calls received since the last reset, both bounded: the emulators
/// run for as long as a developer's session, and their memory must not grow with it.
/// </summary>
public sealed class MarketFaults(TimeProvider time)
{
    public const int MaxFaults = 100;
    public const int KeptCalls = 10_000;

    private readonly Lock _gate = new();
    private readonly List<Fault> _faults = [];
    private readonly ConcurrentQueue<MarketCall> _calls = new();

    /// <summary>Adds the fault; false when <see cref="MaxFaults"/> are set already.</summary>
    public bool Add(Fault fault)
    {
        lock (_gate)
        {
            if (_faults.Count >= MaxFaults)
            {
                return false;
            }

            _faults.Add(fault);
            return true;
        }
    }

    public void Reset()
    {
        lock (_gate)
        {
            _faults.Clear();
            _calls.Clear();
        }
    }

    public IReadOnlyList<MarketCall> Calls => [.. _calls];

    /// <summary>The fault this call meets, if any; a fault with a count is used up one call at a time.</summary>
    public Fault? Take(string endpoint, string? symbol)
    {
        lock (_gate)
        {
            var index = _faults.FindIndex(f =>
                f.Endpoint == endpoint && (f.Symbol is null || string.Equals(f.Symbol, symbol, StringComparison.OrdinalIgnoreCase)));
            if (index < 0)
            {
                return null;
            }

            var fault = _faults[index];
            if (fault.Times is { } times)
            {
                if (times <= 1)
                {
                    _faults.RemoveAt(index);
                }
                else
                {
                    _faults[index] = fault with { Times = times - 1 };
                }
            }

            return fault;
        }
    }

    public void Record(string endpoint, string? symbol, int status)
    {
        _calls.Enqueue(new MarketCall(endpoint, symbol, time.GetUtcNow(), status));
        while (_calls.Count > KeptCalls)
        {
            _calls.TryDequeue(out _);
        }
    }
}
