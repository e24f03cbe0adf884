using Microsoft.Extensions.Options;
using Zmarty.Trading.Risk;
using Zmarty.Worker.Clients;

namespace Zmarty.Worker.RiskGrids;

/// <summary>What the pipeline may use for one symbol's risk, and whether its newest grid was refused and why.</summary>
/// <param name="Grid">The grid to read risk from: the newest valid one, else the last valid one, else none.</param>
/// <param name="Refusal">Why the newest grid is not used (null when it is).</param>
/// <param name="Missing">The owner's table has no grid for the symbol at all: an absence, not a fault.</param>
public sealed record GridVerdict(string Symbol, RiskGrid? Grid, TimeInBands? Bands, string? Refusal, bool Missing = false)
{
    public string Status => Refusal is null ? "ok"
        : Missing ? "missing"
        : Grid is null ? "refused"
        : "refused, using the last valid grid";
}

/// <summary>
/// The owner's risk grids, read for every symbol at once every <see cref="RiskGridOptions.RefreshHours"/> and checked
/// (<see cref="RiskGridCheck"/>): a grid that fails keeps the symbol on its last valid grid, or on none. A read that
/// fails keeps what was read before.
/// </summary>
public sealed partial class RiskGridCache(
    RiskGridClient client, IOptions<RiskGridOptions> options, TimeProvider time, ILogger<RiskGridCache> logger) : IDisposable
{
    private readonly SemaphoreSlim _reading = new(1, 1);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SymbolGrids> _grids = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, TimeInBands> _bands = new Dictionary<string, TimeInBands>();
    private DateTimeOffset? _readAt;
    private string? _readFailure;

    /// <summary>The verdict on <paramref name="symbol"/>'s grid, its plausibility judged against the recent low and high.</summary>
    public async Task<GridVerdict> ForAsync(MarketSymbol symbol, double recentLow, double recentHigh, CancellationToken cancellationToken)
    {
        await RefreshIfDueAsync(cancellationToken);
        var name = options.Value.TableSymbol(symbol);
        lock (_gate)
        {
            var bands = _bands.GetValueOrDefault(name);
            if (!_grids.TryGetValue(name, out var grids))
            {
                return _readFailure is null
                    ? new GridVerdict(name, null, bands, $"no grid for {name} in {options.Value.GridTable}", Missing: true)
                    : new GridVerdict(name, null, bands, $"the grids could not be read: {_readFailure}");
            }

            var refusal = grids.Refusal;
            if (grids.Newest is { } newest)
            {
                refusal = RiskGridCheck.Plausibility(newest, recentLow, recentHigh, options.Value.PlausibilityFactor);
                if (refusal is null)
                {
                    grids.Accepted = newest;
                }
            }

            return new GridVerdict(name, grids.Accepted, bands, refusal);
        }
    }

    private async Task RefreshIfDueAsync(CancellationToken cancellationToken)
    {
        if (_readAt is { } at && time.GetUtcNow() - at < TimeSpan.FromHours(options.Value.RefreshHours))
        {
            return;
        }

        await _reading.WaitAsync(cancellationToken);
        try
        {
            if (_readAt is { } again && time.GetUtcNow() - again < TimeSpan.FromHours(options.Value.RefreshHours))
            {
                return;
            }

            try
            {
                var rows = await client.GetGridRowsAsync(cancellationToken);
                var bands = await client.GetTimeInBandsAsync(cancellationToken);
                Accept(rows, bands);
                _readFailure = null;
            }
            catch (Exception ex) when (ex is ProviderException or HttpRequestException or Polly.Timeout.TimeoutRejectedException
                                       && !cancellationToken.IsCancellationRequested)
            {
                _readFailure = ex.Message;
                LogReadFailed(logger, ex.Message);
            }

            _readAt = time.GetUtcNow();
        }
        finally
        {
            _reading.Release();
        }
    }

    private void Accept(Dictionary<string, List<RiskGridPoint>> rows, Dictionary<string, TimeInBands> bands)
    {
        var structured = rows.ToDictionary(r => r.Key, r => RiskGridCheck.Structure(r.Value), StringComparer.Ordinal);
        var duplicates = RiskGridCheck.Duplicates(structured
            .Where(s => s.Value.Grid is not null)
            .ToDictionary(s => s.Key, s => s.Value.Grid!, StringComparer.Ordinal));
        lock (_gate)
        {
            foreach (var (symbol, grids) in _grids.Where(g => !structured.ContainsKey(g.Key)))
            {
                grids.Newest = null;
                grids.Refusal = $"{symbol} is no longer in {options.Value.GridTable}";
            }

            foreach (var (symbol, (grid, refusal)) in structured)
            {
                if (!_grids.TryGetValue(symbol, out var grids))
                {
                    _grids[symbol] = grids = new SymbolGrids();
                }

                var why = refusal ?? duplicates.GetValueOrDefault(symbol);
                grids.Newest = why is null ? grid : null;
                grids.Refusal = why;
                if (why is not null)
                {
                    LogRefused(logger, symbol, why);
                }
            }

            _bands = bands;
        }
    }

    public void Dispose() => _reading.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The risk grid of {symbol} is refused: {reason}")]
    private static partial void LogRefused(ILogger logger, string symbol, string reason);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "The owner's risk grids could not be read; the grids read before stay in use: {reason}")]
    private static partial void LogReadFailed(ILogger logger, string reason);

    /// <summary>One symbol's grids: the newest that passed the structural checks, and the last that passed them all.</summary>
    private sealed class SymbolGrids
    {
        public RiskGrid? Newest { get; set; }

        public RiskGrid? Accepted { get; set; }

        public string? Refusal { get; set; }
    }
}
