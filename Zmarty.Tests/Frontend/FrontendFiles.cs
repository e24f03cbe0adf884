using Zmarty.AppHost.Commands;
using Zmarty.Tests.Chat;
using Zmarty.Tests.Database;

namespace Zmarty.Tests.Frontend;

/// <summary>The TypeScript client and the reference page in the repository, and what their tests share.</summary>
internal static class FrontendFiles
{
    public static string Client { get; } = Path.Combine(AppHostAssembly.FindRepositoryRoot(), "clients", "typescript");

    public static string WebDemo { get; } = Path.Combine(AppHostAssembly.FindRepositoryRoot(), "clients", "web-demo");

    /// <summary>The client as the page and the Node tests load it: built by <c>npm ci</c> (./zmarty test runs it).</summary>
    public static void AssertClientBuilt() =>
        Assert.True(File.Exists(Path.Combine(Client, "dist", "index.js")),
            "clients/typescript/dist is missing: run `npm ci` in clients/typescript (./zmarty test does).");

    /// <summary>
    /// A symbol of this test's own with a fresh long signal and a 30-day win rate in B, so what the page and the client
    /// show is known whatever other tests wrote.
    /// </summary>
    public static async Task<string> SeedSignalAsync(ChatSystemFixture system)
    {
        var symbol = $"T{Guid.NewGuid().ToString("N")[..7].ToUpperInvariant()}/USDT";
        await Sql.ExecuteAsync(system.Trading, """
            insert into public.signals (symbol, timeframe, at, direction, score, entry_price, confidence)
            values ($1, '1h', now(), 'long', 0.81, 101.5, 0.7)
            """, symbol);
        await Sql.ExecuteAsync(system.Trading, """
            insert into public.win_rate (symbol, timeframe, lookback_days, win_rate, sample_size, computed_at)
            values ($1, '1h', 30, 0.625, 16, now())
            """, symbol);
        return symbol;
    }
}
