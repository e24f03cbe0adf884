using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Zmarty.Tests.Reliability.Fuzzing;

/// <summary>A request whose answer broke a rule: which rule (<see cref="Why"/>), and what came back.</summary>
internal sealed record FuzzFinding(FuzzResult Result, string Why);

/// <summary>The rules every answer is held to, and the report of the requests that broke them, by operation and cause.</summary>
internal static partial class FuzzFindings
{
    /// <summary>The issue's ceiling for one request, hostile or not.</summary>
    public static readonly TimeSpan SlowestAllowed = TimeSpan.FromSeconds(15);

    private const int BodyShown = 200;

    public static IEnumerable<FuzzFinding> Of(FuzzResult result)
    {
        if (result.Status == 0)
        {
            yield return new(result, $"no answer ({result.Failure})");
        }
        else if (result.Case.Violates((HttpStatusCode)result.Status))
        {
            yield return new(result, result.Status >= 500 ? "server error"
                : result.Case.Expectation == FuzzExpectation.Unauthorized ? "not refused with 401" : "not refused");
        }

        if (result is { Status: > 0, Failure: { } failure })
        {
            yield return new(result, $"the answer broke off ({failure})");
        }
        else if (result is { Status: 200, MediaType: "text/event-stream" } && !EndsWithDone(result.Body))
        {
            yield return new(result, "a stream that ended without done");
        }

        if (result.Elapsed > SlowestAllowed)
        {
            yield return new(result, $"slower than {SlowestAllowed.TotalSeconds:0} s ({result.Elapsed.TotalSeconds:0.0} s)");
        }
    }

    /// <summary>
    /// Every finding, grouped by operation and then by the kind of input that caused it; requests of one kind answered
    /// alike (the same status, rule and body but for its trace id) share a line.
    /// </summary>
    public static string Report(IReadOnlyCollection<FuzzFinding> findings)
    {
        var report = new StringBuilder();
        foreach (var operation in findings.GroupBy(f => f.Result.Case.Operation.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            report.AppendLine(FormattableString.Invariant($"{operation.Key}: {operation.Count()} finding(s)"));
            foreach (var kind in operation.GroupBy(f => f.Result.Case.Kind).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                report.AppendLine(FormattableString.Invariant($"  {kind.Key} ({kind.Count()}):"));
                foreach (var alike in kind.GroupBy(f => (f.Result.Status, f.Why, Body: Shorten(WithoutTraceId(f.Result.Body)))))
                {
                    var details = string.Join("; ", alike.Select(f => f.Result.Case.Detail));
                    var (status, why, body) = alike.Key;
                    report.AppendLine(FormattableString.Invariant($"    {details} → {status}, {why}: {body}"));
                }
            }
        }

        return report.ToString();
    }

    /// <summary>Every request and its answer, one a line, for whoever fixes what the run found.</summary>
    public static void WriteAll(string file, IEnumerable<FuzzResult> results) =>
        File.WriteAllLines(file, results.Select(r => string.Join('\t',
            r.Case.Operation.Name, r.Case.Kind, r.Case.Detail, r.Status.ToString(CultureInfo.InvariantCulture),
            r.Elapsed.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture), Shorten(r.Failure ?? r.Body))));

    /// <summary>How many requests each operation got, and what they were answered: the run at a glance.</summary>
    public static string Summary(IReadOnlyCollection<FuzzResult> results) =>
        string.Join(Environment.NewLine, results
            .GroupBy(r => r.Case.Operation.Name)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => FormattableString.Invariant($"{g.Key}: {g.Count()} requests; {string.Join(", ", g
                .GroupBy(r => r.Status)
                .OrderBy(s => s.Key)
                .Select(s => $"{s.Key} × {s.Count()}"))}")));

    private static bool EndsWithDone(string stream) =>
        stream.Split('\n').LastOrDefault(l => l.StartsWith("data: ", StringComparison.Ordinal)) is { } last
        && last.Contains("\"type\":\"done\"", StringComparison.Ordinal);

    [GeneratedRegex("\"trace_id\":\"[^\"]*\"")]
    private static partial Regex TraceIds();

    private static string WithoutTraceId(string body) => TraceIds().Replace(body, "\"trace_id\":\"…\"");

    private static string Shorten(string body)
    {
        var flat = body.ReplaceLineEndings(" ");
        return flat.Length <= BodyShown ? flat : flat[..BodyShown] + "…";
    }
}
