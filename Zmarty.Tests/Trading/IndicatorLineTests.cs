using System.Text.Json;
using System.Text.RegularExpressions;
using Zmarty.Trading.Indicators;

namespace Zmarty.Tests.Trading;

public sealed partial class IndicatorLineTests
{
    [Fact]
    public void Every_line_has_one_snake_case_key()
    {
        var keys = IndicatorLines.All.Select(l => l.Key()).ToList();

        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
        Assert.DoesNotContain(IndicatorSnapshot.CloseKey, keys);
        Assert.All(keys, key => Assert.Matches("^[a-z][a-z0-9]*(_[a-z0-9]+)*$", key));
        Assert.Equal(Enum.GetValues<IndicatorLine>().Select((line, index) => index), IndicatorLines.All.Select(l => (int)l));
    }

    // 30 bars: RSI (14) has values from bar 14, EMA 200 none yet.
    [Fact]
    public void A_snapshot_serialises_as_its_keys_in_table_order_with_null_while_warming_up()
    {
        var latest = IndicatorSeries.Compute(TestSeries.RandomWalk(5, 30)).Latest()!;

        var json = JsonDocument.Parse(JsonSerializer.Serialize(latest.ToDictionary())).RootElement;

        Assert.Equal([IndicatorSnapshot.CloseKey, .. IndicatorLines.All.Select(l => l.Key())], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal(latest.Close, json.GetProperty("close").GetDouble());
        Assert.Equal(latest[IndicatorLine.Rsi], json.GetProperty("rsi").GetDouble());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("ema_200").ValueKind);
    }

    [Fact]
    public void A_snapshot_built_by_hand_holds_what_it_is_given_and_nothing_else()
    {
        var snapshot = new IndicatorSnapshot(TestSeries.Start, 100, (IndicatorLine.Rsi, 25), (IndicatorLine.Atr, null));

        Assert.Equal(25, snapshot[IndicatorLine.Rsi]);
        Assert.All(IndicatorLines.All.Where(l => l != IndicatorLine.Rsi), line => Assert.Null(snapshot[line]));
    }

    /// <summary>docs/indicators.md lists the table; this keeps the two equal.</summary>
    [Fact]
    public void The_documented_lines_are_the_table()
    {
        (string Key, string Description)[] expected =
        [
            (IndicatorSnapshot.CloseKey, "the bar's close"),
            .. IndicatorLines.All.Select(l => (l.Key(), l.Description())),
        ];

        var documented = DocumentedLine().Matches(Checkout.ReadFile("docs/indicators.md"))
            .Select(m => (m.Groups[1].Value, m.Groups[2].Value.Trim()))
            .ToArray();

        Assert.True(
            expected.SequenceEqual(documented),
            "docs/indicators.md should list:" + Environment.NewLine + string.Join(Environment.NewLine, expected.Select(e => $"| `{e.Key}` | {e.Description} |")));
    }

    [GeneratedRegex(@"^\| `([a-z0-9_]+)` \| (.+) \|$", RegexOptions.Multiline)]
    private static partial Regex DocumentedLine();
}
