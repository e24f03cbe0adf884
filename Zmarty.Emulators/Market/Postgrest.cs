using System.Globalization;

namespace Zmarty.Emulators.Market;

/// <summary>
/// A table answered the way Supabase's PostgREST answers a GET: an <c>apikey</c> header is required; <c>select</c>
/// picks columns, <c>col=eq.value</c> filters, <c>order=col.asc,col2.desc</c> sorts, <c>limit</c> and <c>offset</c>
/// page, and no answer holds more than <see cref="MaxRows"/> rows (Supabase's default <c>db-max-rows</c>). An unknown
/// column is a 400 with PostgreSQL's code 42703.
/// </summary>
internal static class Postgrest
{
    public const int MaxRows = 1000;

    public static (int Status, IResult Result) Answer(
        HttpRequest request, string table, string[] columns, IEnumerable<IReadOnlyDictionary<string, object>> rows)
    {
        if (string.IsNullOrWhiteSpace(request.Headers["apikey"]))
        {
            var body = new { message = "No API key found in request", hint = "No `apikey` request header or url param was found." };
            return (401, Results.Json(body, statusCode: 401));
        }

        var query = request.Query;
        var select = query.TryGetValue("select", out var s) ? s.ToString().Split(',', StringSplitOptions.TrimEntries) : columns;
        var order = query["order"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(o => (Column: o.Split('.')[0], Descending: o.EndsWith(".desc", StringComparison.Ordinal)))
            .ToList();
        var filters = query.Keys.Where(k => k is not ("select" or "order" or "limit" or "offset")).ToList();
        if (select.Concat(filters).Concat(order.Select(o => o.Column)).FirstOrDefault(c => !columns.Contains(c)) is { } unknown)
        {
            return (400, Results.Json(new { code = "42703", details = (string?)null, hint = (string?)null,
                message = $"column {table}.{unknown} does not exist" }, statusCode: 400));
        }

        var matching = rows.Where(r => filters.All(f => query[f].ToString() is var v
            && v.StartsWith("eq.", StringComparison.Ordinal) && Text(r[f]) == v[3..]));
        IOrderedEnumerable<IReadOnlyDictionary<string, object>>? sorted = null;
        foreach (var (column, descending) in order)
        {
            var by = Comparer.Instance;
            sorted = sorted is null
                ? descending ? matching.OrderByDescending(r => r[column], by) : matching.OrderBy(r => r[column], by)
                : descending ? sorted.ThenByDescending(r => r[column], by) : sorted.ThenBy(r => r[column], by);
        }

        var offset = int.TryParse(query["offset"], NumberStyles.None, CultureInfo.InvariantCulture, out var o) ? o : 0;
        var limit = int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var l)
            ? Math.Min(l, MaxRows)
            : MaxRows;
        var page = (sorted ?? matching).Skip(offset).Take(limit).Select(r => select.ToDictionary(c => c, c => r[c]));
        return (200, Results.Json(page));
    }

    private static string Text(object value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";

    /// <summary>Numbers as numbers, everything else as text, as PostgreSQL orders a column of one type.</summary>
    private sealed class Comparer : IComparer<object>
    {
        public static readonly Comparer Instance = new();

        public int Compare(object? x, object? y) => x is IConvertible a && y is IConvertible b && x is not string && y is not string
            ? a.ToDouble(CultureInfo.InvariantCulture).CompareTo(b.ToDouble(CultureInfo.InvariantCulture))
            : string.CompareOrdinal(Convert.ToString(x, CultureInfo.InvariantCulture), Convert.ToString(y, CultureInfo.InvariantCulture));
    }
}
