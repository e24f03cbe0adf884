using Microsoft.Extensions.Options;
using Zmarty.Trading.Risk;
using Zmarty.Worker.Clients;

namespace Zmarty.Worker.RiskGrids;

/// <summary>What the pipeline may use for one symbol's risk, and whether its newest grid was refused and why.</summary>
/// <param name="Grid">The grid to read risk from: the newest valid one, else the last valid one, else none.</param>
/// <param name="Refusal">Why the newest grid is not used (null when it is).</param>
/// <param name="Missing">The owner's table has no grid for the symbol at all: an absence, not a fault.</param>
/// <param name="BandsFailure">
/// Why the days per band could not be read (null when they were): the grid is used all the same, with the bands read
/// before if any, else without a time-in-band coefficient.
/// </param>
public sealed record GridVerdict(
    string Symbol, RiskGrid? Grid, TimeInBands? Bands, string? Refusal, bool Missing = false, string? BandsFailure = null)
{
    public string Status => Refusal is null ? "ok"
        : Missing ? "missing"
        : Grid is null ? "refused"
        : "refused, using the last valid grid";
}

/// <summary>
/// The owner's risk grids, read for every symbol at once every <see cref="RiskGridOptions.RefreshHours"/> and checked
/// (<see cref="RiskGridCheck"/>): a grid that fails keeps the symbol on its last valid grid, or on none. A read that
/// fails keeps what was read before. The days per band are read on their own: they only weigh the score (the
/// coefficient), so when they cannot be read the grids, and every risk, band, zone and base score, stay in use.
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
    private string? _bandsFailure;

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
                    ? new GridVerdict(name, null, bands, $"no grid for {name} in {options.Value.GridTable}", Missing: true, _bandsFailure)
                    : new GridVerdict(name, null, bands, $"the grids could not be read: {_readFailure}", BandsFailure: _bandsFailure);
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

            return new GridVerdict(name, grids.Accepted, bands, refusal, BandsFailure: _bandsFailure);
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
                Accept(await client.GetGridRowsAsync(cancellationToken));
                _readFailure = null;
            }
            catch (Exception ex) when (IsReadFailure(ex, cancellationToken))
            {
                _readFailure = ex.Message;
                LogReadFailed(logger, ex.Message);
            }

            try
            {
                var bands = await client.GetTimeInBandsAsync(cancellationToken);
                lock (_gate)
                {
                    _bands = bands;
                    _bandsFailure = null;
                }
            }
            catch (Exception ex) when (IsReadFailure(ex, cancellationToken))
            {
                lock (_gate)
                {
                    _bandsFailure = ex.Message;
                }

                LogBandsReadFailed(logger, options.Value.BandsTable, ex.Message);
            }

            _readAt = time.GetUtcNow();
        }
        finally
        {
            _reading.Release();
        }
    }

    private static bool IsReadFailure(Exception exception, CancellationToken cancellationToken) =>
        exception is ProviderException or HttpRequestException or Polly.Timeout.TimeoutRejectedException
        && !cancellationToken.IsCancellationRequested;

    private void Accept(Dictionary<string, List<RiskGridPoint>> rows)
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
        }
    }

    public void Dispose() => _reading.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The risk grid of {symbol} is refused: {reason}")]
    private static partial void LogRefused(ILogger logger, string symbol, string reason);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "The owner's risk grids could not be read; the grids read before stay in use: {reason}")]
    private static partial void LogReadFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "The owner's days per band ({table}) could not be read; risks are given without a time-in-band coefficient "
            + "(or with the days read before): {reason}")]
    private static partial void LogBandsReadFailed(ILogger logger, string table, string reason);

    /// <summary>One symbol's grids: the newest that passed the structural checks, and the last that passed them all.</summary>
    private sealed class SymbolGrids
    {
        public RiskGrid? Newest { get; set; }

        public RiskGrid? Accepted { get; set; }

        public string? Refusal { get; set; }
    }
}
