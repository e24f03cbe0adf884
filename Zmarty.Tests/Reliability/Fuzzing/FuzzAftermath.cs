using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Zmarty.Tests.Chat;

namespace Zmarty.Tests.Reliability.Fuzzing;

/// <summary>
/// What a run must leave behind, read from the databases as the superuser and from the Api: each check returns the
/// problems it found, in words for the test's report.
/// </summary>
internal sealed partial class FuzzAftermath(ChatSystemFixture system)
{
    private const string RefusalLine = "Webhook refused with";

    /// <summary>Every watcher in B, as one text: equal texts, equal tables.</summary>
    public Task<string> WatchersAsync() =>
        system.ScalarAsync<string>(system.Trading,
            "select coalesce(md5(string_agg(w::text, '|' order by w::text)), '') from public.watchers w");

    /// <summary>
    /// A refused webhook is logged sampled (the first of each reason, then at most one a minute): anyone can send junk,
    /// and every warning is a row in B's <c>ops.error_log</c>. Any other row written while only junk came is a problem.
    /// </summary>
    public async Task<IEnumerable<string>> ErrorLogFloodAsync(DateTimeOffset from, DateTimeOffset to, IReadOnlyList<FuzzResult> refused)
    {
        var rows = await ErrorLogAsync(from, to);
        var reasons = refused.Select(r => Title(r.Body)).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).Count();
        var allowed = reasons * (1 + (int)(to - from).TotalMinutes);
        var sampled = rows.Count(r => r.Message.StartsWith(RefusalLine, StringComparison.Ordinal));
        var others = rows.Where(r => !r.Message.StartsWith(RefusalLine, StringComparison.Ordinal)).ToList();
        var problems = new List<string>();
        if (sampled > allowed)
        {
            problems.Add($"{sampled} error-log rows of refused webhooks for {reasons} reasons "
                + $"in {(to - from).TotalSeconds:0} s; at most {allowed}.");
        }

        if (others.Count > 0)
        {
            problems.Add($"{others.Count} error-log row(s) from {refused.Count} unsigned or badly signed webhooks:"
                + Environment.NewLine + Tally(others));
        }

        return problems;
    }

    /// <summary>Every row the Api wrote to the error log in the run, by message: what an operator would have seen.</summary>
    public async Task<string> ErrorLogSummaryAsync(DateTimeOffset from, DateTimeOffset to)
    {
        var rows = await ErrorLogAsync(from, to);
        return $"The Api's error log during the run, {rows.Count} row(s):{Environment.NewLine}{Tally(rows)}";
    }

    /// <summary>The Api is healthy, and still answers the fuzzing user.</summary>
    public static async Task<IEnumerable<string>> HealthAsync(HttpClient api)
    {
        using var health = await api.GetAsync("/healthz");
        using var credits = await api.GetAsync("/me/credits");
        var problems = new List<string>();
        if (health.StatusCode != HttpStatusCode.OK)
        {
            problems.Add($"After the run /healthz answered {(int)health.StatusCode}: {await health.Content.ReadAsStringAsync()}");
        }

        if (credits.StatusCode != HttpStatusCode.OK)
        {
            problems.Add($"After the run the fuzzing user's /me/credits answered {(int)credits.StatusCode}.");
        }

        return problems;
    }

    /// <summary>
    /// The fuzzing user's balance is the sum of their ledger, nothing is held for them, and no hold stayed open: every
    /// request has been answered, so each hold it made was settled or released before its answer (given a few seconds,
    /// as a release may be the last thing a request does).
    /// </summary>
    public async Task<IEnumerable<string>> CreditsAsync(Guid user, IReadOnlyList<FuzzResult> results)
    {
        var settled = await Chats.EventuallyAsync(async () => await system.OpenHoldsAsync(user) == 0, seconds: 15);
        var problems = new List<string>();
        if (!settled)
        {
            var holds = await system.ScalarAsync<string[]>(system.Chat, """
                select array_agg(request_id || ' (' || amount || ' credits)' order by created_at)
                from public.credit_holds where user_id = $1 and status = 'held'
                """, user);
            problems.Add($"{holds.Length} hold(s) of the fuzzing user still held after every answer:{Environment.NewLine}"
                + string.Join(Environment.NewLine, holds.Select(hold => $"  {hold}: {RequestOf(hold, results)}")));
        }

        var balance = await system.BalanceAsync(user);
        var ledger = await system.ScalarAsync<long>(system.Chat,
            "select coalesce(sum(delta), 0)::bigint from public.credits_ledger where user_id = $1", user);
        var held = await system.ScalarAsync<long>(system.Chat, "select held from public.credit_accounts where user_id = $1", user);
        if (balance != ledger)
        {
            problems.Add($"The fuzzing user's balance is {balance}, their ledger sums to {ledger}.");
        }

        if (settled && held != 0)
        {
            problems.Add($"The fuzzing user's account holds {held} credits with no open hold.");
        }

        return problems;
    }

    /// <summary>The request that made a chat's hold: its request id carries the request's <c>Idempotency-Key</c>.</summary>
    private static string RequestOf(string hold, IReadOnlyList<FuzzResult> results) =>
        results.FirstOrDefault(r => r.Case.Headers.Any(h => h.Key == ExampleRequests.IdempotencyKey
            && hold.Contains($":{h.Value}:", StringComparison.Ordinal))) is { } made
            ? $"{made.Case.Operation.Name}, {made.Case.Kind}: {made.Case.Detail} → {made.Status}"
            : "no chat of this run names it (a data request, or a chat without a key)";

    private async Task<List<(string Level, string Message)>> ErrorLogAsync(DateTimeOffset from, DateTimeOffset to)
    {
        await using var command = system.Trading.CreateCommand("""
            select level, message from ops.error_log where service = 'api' and at between $1 and $2 order by id
            """);
        command.Parameters.Add(new() { Value = from });
        command.Parameters.Add(new() { Value = to });
        var rows = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1)));
        }

        return rows;
    }

    /// <summary>Rows counted by level and message, ids and numbers blanked, so the rows of one cause count together.</summary>
    private static string Tally(IEnumerable<(string Level, string Message)> rows) =>
        string.Join(Environment.NewLine, rows
            .GroupBy(r => $"{r.Level} {IdsAndNumbers().Replace(r.Message, "#")}")
            .Select(g => $"  {g.Count()} × {g.Key}"));

    private static string Title(string problem)
    {
        try
        {
            using var body = JsonDocument.Parse(problem);
            return body.RootElement.TryGetProperty("title", out var title) ? title.GetString() ?? "" : "";
        }
        catch (JsonException)
        {
            return "";
        }
    }

    [GeneratedRegex(@"\w*\d\w*")]
    private static partial Regex IdsAndNumbers();
}
