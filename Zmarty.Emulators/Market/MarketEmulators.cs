namespace Zmarty.Emulators.Market;

/// <summary>Cryptometer and King Fisher on loopback, and the control endpoints tests use to inject faults.</summary>
public static class MarketEmulators
{
    /// <summary>The seed of the price walks; a run with another seed (<c>Market:Seed</c>) sees another, equally fixed, market.</summary>
    public const ulong DefaultSeed = 20261124;

    public static WebApplication MapMarketEmulators(this WebApplication app)
    {
        var time = TimeProvider.System;
        var walk = new MarketWalk(app.Configuration.GetValue("Market:Seed", DefaultSeed));
        var faults = new MarketFaults(time);
        var permits = app.Configuration.GetValue("Market:RequestsPerWindow", 10);
        var windowSeconds = app.Configuration.GetValue("Market:WindowSeconds", 5);
        var limit = new KeyRateLimit(permits, TimeSpan.FromSeconds(windowSeconds), time);

        CryptometerEmulator.Map(app, walk, faults, limit, time);
        var risk = new OwnerRiskTables(walk);
        KingFisherEmulator.Map(app, walk, faults, risk, time);

        var control = app.MapGroup("/market");
        control.MapPost("/faults", IResult (Fault fault) => faults.Add(fault)
            ? TypedResults.NoContent()
            : TypedResults.Problem($"At most {MarketFaults.MaxFaults} faults can be set; DELETE /market/faults first.", statusCode: 400));
        control.MapDelete("/faults", () =>
        {
            faults.Reset();
            limit.ResetCounts();
            return TypedResults.NoContent();
        });
        control.MapGet("/calls", () => TypedResults.Ok(faults.Calls));
        // Counted apart from the call log, which keeps only the latest calls and cannot tell the limit's 429s from a fault's.
        control.MapGet("/rate-limit", () => TypedResults.Ok(new RateLimitReport(permits, windowSeconds, limit.Counts())));
        control.MapPut("/risk-grids/{symbol}", (string symbol, OwnerRiskTables.GridRow[] rows) =>
        {
            risk.Replace(symbol, rows);
            return TypedResults.NoContent();
        });
        control.MapDelete("/risk-grids", () =>
        {
            risk.Reset();
            return TypedResults.NoContent();
        });
        return app;
    }
}

/// <summary>
/// Cryptometer's rate limit as the emulator applies it, and per key what it let through and refused since the counts' reset.
/// </summary>
public sealed record RateLimitReport(int RequestsPerWindow, int WindowSeconds, IReadOnlyList<KeyCalls> Keys);
