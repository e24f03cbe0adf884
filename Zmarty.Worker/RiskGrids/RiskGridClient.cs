using System.Text.Json;
using Microsoft.Extensions.Options;
using Zmarty.Trading.Risk;
using Zmarty.Worker.Clients;

namespace Zmarty.Worker.RiskGrids;

/// <summary>
/// Reads the owner's risk tables through PostgREST, every symbol at once and page by page until an empty page
/// (Supabase answers at most 1,000 rows per request): the grid rows per symbol, and the days per band per symbol.
/// At most <see cref="RiskGridOptions.MaxPages"/> pages a table: a server that ignores <c>offset</c> answers the same
/// page forever, and a read that never ends would hold every ingestion waiting on the grids.
/// </summary>
public sealed class RiskGridClient(HttpClient http, IOptions<KingFisherOptions> source, IOptions<RiskGridOptions> options)
{
    private readonly RiskGridOptions _options = options.Value;

    public async Task<Dictionary<string, List<RiskGridPoint>>> GetGridRowsAsync(CancellationToken cancellationToken)
    {
        var o = _options;
        var grids = new Dictionary<string, List<RiskGridPoint>>(StringComparer.Ordinal);
        var rows = await RowsAsync(
            o.GridTable, $"{o.SymbolColumn},{o.PriceColumn},{o.RiskColumn}", $"{o.SymbolColumn}.asc,{o.RiskColumn}.asc", cancellationToken);
        foreach (var row in rows)
        {
            var symbol = row.TryGetProperty(o.SymbolColumn, out var s) ? s.GetString() : null;
            if (string.IsNullOrEmpty(symbol))
            {
                throw new ProviderException(ProviderFailure.Malformed, o.GridTable, $"a row has no '{o.SymbolColumn}'");
            }

            var point = new RiskGridPoint(
                ProviderEnvelope.Required(row, o.PriceColumn, o.GridTable), ProviderEnvelope.Required(row, o.RiskColumn, o.GridTable));
            if (!grids.TryGetValue(symbol, out var points))
            {
                grids[symbol] = points = [];
            }

            points.Add(point);
        }

        return grids;
    }

    public async Task<Dictionary<string, TimeInBands>> GetTimeInBandsAsync(CancellationToken cancellationToken)
    {
        var o = _options;
        var bands = new Dictionary<string, TimeInBands>(StringComparer.Ordinal);
        var columns = string.Join(',', [o.SymbolColumn, .. o.BandColumns]);
        var rows = await RowsAsync(o.BandsTable, columns, $"{o.SymbolColumn}.asc", cancellationToken);
        foreach (var row in rows)
        {
            if (row.TryGetProperty(o.SymbolColumn, out var s) && s.GetString() is { Length: > 0 } symbol)
            {
                bands[symbol] = new TimeInBands([.. o.BandColumns.Select(c => (int)Math.Max(0, ProviderEnvelope.Number(row, c) ?? 0))]);
            }
        }

        return bands;
    }

    private async Task<List<JsonElement>> RowsAsync(string table, string columns, string order, CancellationToken cancellationToken)
    {
        var rows = new List<JsonElement>();
        for (var pages = 0; ; pages++)
        {
            if (pages == _options.MaxPages)
            {
                throw new ProviderException(ProviderFailure.Malformed, table, $"more than {_options.MaxPages} pages of "
                    + $"{_options.PageSize} rows (RiskGrid:MaxPages); the server may be ignoring offset");
            }

            using var document = await OwnerSupabase.GetRowsAsync(http, source.Value.ApiKey, table,
                $"select={columns}&order={order}&limit={_options.PageSize}&offset={rows.Count}", cancellationToken);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new ProviderException(ProviderFailure.Malformed, table, "PostgREST did not answer an array of rows");
            }

            // Until an empty page: the server may cap a page below what was asked for.
            var page = document.RootElement.EnumerateArray().Select(r => r.Clone()).ToList();
            if (page.Count == 0)
            {
                return rows;
            }

            rows.AddRange(page);
        }
    }
}
