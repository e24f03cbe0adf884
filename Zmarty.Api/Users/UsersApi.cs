using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using Zmarty.Api.Auth;
using Zmarty.Api.Chat.Context;
using Zmarty.Api.Credits;
using Zmarty.Api.Errors;
using Zmarty.Api.Limits;

namespace Zmarty.Api.Users;

/// <summary>
/// The dashboard's data (the seed's user dashboard): balance and ledger history, watched symbols
/// (written to A; the outbox and relay carry each change to B), and the latest signals and win
/// rates, priced as a data request (1 credit per symbol). Every query is bound to the caller's id.
/// </summary>
public static partial class UsersApi
{
    private static readonly string[] s_timeframes = ["1m", "5m", "15m", "30m", "1h", "4h", "1d", "1w"];

    [GeneratedRegex("^[A-Z0-9]{1,20}/[A-Z0-9]{1,20}$")]
    private static partial Regex SymbolPattern();

    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/me").RequireAuthorization().LimitedPerUser().WithTags("User data")
            .ProducesErrors(StatusCodes.Status401Unauthorized);
        me.MapGet("/profile", GetProfileAsync).WithSummary("The caller's profile: tier, its limits and features.")
            .ProducesErrors(StatusCodes.Status403Forbidden);
        me.MapGet("/credits", GetBalanceAsync).WithSummary("The caller's balance, held and available credits.");
        me.MapGet("/credits/ledger", GetLedgerAsync).WithSummary("The caller's ledger rows, newest first (keyset pages).")
            .ProducesErrors(StatusCodes.Status400BadRequest);
        me.MapGet("/symbols", GetSymbolsAsync).WithSummary("The symbols the caller watches, paused ones included.");
        me.MapPost("/symbols", AddSymbolAsync).WithSummary("Watch a symbol (the tier's limit applies).")
            .RequireAuthorization(PaidAccess.Policy)
            .LimitedSymbolChanges()
            .Accepts<NewSymbol>("application/json")
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status409Conflict);
        me.MapPatch("/symbols/{id:long}", ChangeSymbolAsync)
            .WithSummary("Pause or resume a watched symbol (resuming, the tier's limit applies).")
            .RequireAuthorization(PaidAccess.Policy)
            .LimitedSymbolChanges()
            .Accepts<SymbolChange>("application/json")
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound);
        me.MapDelete("/symbols/{id:long}", RemoveSymbolAsync).WithSummary("Stop watching a symbol.").LimitedSymbolChanges()
            .ProducesErrors(StatusCodes.Status404NotFound);
        me.MapGet("/signals", GetSignalsAsync).WithSummary("Latest signal, win rate and risk per watched symbol; 1 credit per symbol.")
            .RequireAuthorization(PaidAccess.Policy)
            .ProducesErrors(StatusCodes.Status402PaymentRequired, StatusCodes.Status403Forbidden);
        return app;
    }

    /// <summary>
    /// What the caller's tier allows, raised where their profile says more: tokens a reply, requests a minute, chats at
    /// once, voice, the fallback price cap, and symbols watched at once (null: unlimited) and kept in all.
    /// </summary>
    public sealed record ProfileLimits(
        int MaxTokens, int RequestsPerMinute, int Concurrent, bool Voice, int FallbackPriceCap, int? ActiveSymbols, int TotalSymbols);

    public sealed record Profile(
        Guid Id, string? Email, string? FullName, string Tier, ProfileLimits Limits, JsonElement Features, DateTimeOffset CreatedAt);

    /// <summary>A change to a watched symbol: <c>active</c> false pauses it (B stops computing it), true resumes it.</summary>
    public sealed record SymbolChange(bool? Active);

    public sealed record CreditBalance(long Balance, long Held, long Available, long TransactionCount, DateTimeOffset? LastTransactionAt);

    public sealed record LedgerEntry(
        long Id, int Delta, string Provider, string Kind, JsonElement Units, string? Reason, string? RequestId, string? Model, DateTimeOffset CreatedAt);

    public sealed record LedgerPage(IReadOnlyList<LedgerEntry> Items, long? NextBefore);

    public sealed record Symbol(long Id, string Name, string Timeframe, JsonElement Strategy, bool Active, DateTimeOffset CreatedAt);

    public sealed record NewSymbol(string? Symbol, string? Timeframe, JsonElement? Strategy);

    public sealed record SignalsReply(IReadOnlyList<SymbolSnapshot> Items, int CreditsCharged, long CreditsRemaining);

    private static async Task<Results<Ok<Profile>, ProblemHttpResult>> GetProfileAsync(
        HttpContext http, [FromKeyedServices("chat")] NpgsqlDataSource chat, IOptions<TierOptions> tiers)
    {
        // The symbol limits are the database's (tier_symbol_limits), which enforces them; the rest is the Api's.
        await using var command = chat.CreateCommand("""
            select p.email, p.full_name, p.tier, p.max_tokens_per_request, p.max_requests_per_minute, p.features::text,
                   p.created_at, l.active_limit, l.total_limit
            from public.user_profiles p
            cross join lateral public.tier_symbol_limits(p.tier) l
            where p.id = $1
            """);
        var user = http.User.UserId();
        command.Parameters.Add(new NpgsqlParameter { Value = user });
        await using var reader = await command.ExecuteReaderAsync(http.RequestAborted);
        if (!await reader.ReadAsync(http.RequestAborted))
        {
            return ApiErrors.Problem(
                StatusCodes.Status403Forbidden, ApiErrors.Forbidden, "You have no profile: it is made when you sign up.");
        }

        var tier = reader.GetString(2);
        var limits = tiers.Value.For(tier, reader.GetInt32(3), reader.GetInt32(4));
        return TypedResults.Ok(new Profile(
            user,
            reader.IsDBNull(0) ? null : reader.GetString(0),
            reader.IsDBNull(1) ? null : reader.GetString(1),
            tier,
            new ProfileLimits(limits.MaxTokens, limits.RequestsPerMinute, limits.Concurrent, limits.Voice, limits.FallbackPriceCap,
                reader.IsDBNull(7) ? null : reader.GetInt32(7), reader.GetInt32(8)),
            JsonDocument.Parse(reader.GetString(5)).RootElement.Clone(),
            reader.GetFieldValue<DateTimeOffset>(6)));
    }

    private static async Task<Ok<CreditBalance>> GetBalanceAsync(HttpContext http, [FromKeyedServices("chat")] NpgsqlDataSource chat)
    {
        await using var command = chat.CreateCommand(
            "select balance, held, available, transaction_count, last_transaction_at from public.credit_balance where user_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = http.User.UserId() });
        await using var reader = await command.ExecuteReaderAsync(http.RequestAborted);
        return TypedResults.Ok(await reader.ReadAsync(http.RequestAborted)
            ? new CreditBalance(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4))
            : new CreditBalance(0, 0, 0, 0, null));
    }

    private static async Task<Results<Ok<LedgerPage>, ProblemHttpResult>> GetLedgerAsync(
        HttpContext http, [FromKeyedServices("chat")] NpgsqlDataSource chat, int? limit, long? before)
    {
        var size = limit ?? 50;
        if (size is < 1 or > 200)
        {
            return ApiErrors.BadRequest("limit must be between 1 and 200.");
        }

        await using var command = chat.CreateCommand("""
            select id, delta, provider, kind, units::text, reason, request_id, metadata ->> 'model', created_at
            from public.credits_ledger
            where user_id = $1 and ($2::bigint is null or id < $2)
            order by id desc
            limit $3
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = http.User.UserId() });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)before ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = size });
        var items = new List<LedgerEntry>();
        await using var reader = await command.ExecuteReaderAsync(http.RequestAborted);
        while (await reader.ReadAsync(http.RequestAborted))
        {
            items.Add(new LedgerEntry(
                reader.GetInt64(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3),
                JsonDocument.Parse(reader.GetString(4)).RootElement.Clone(),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.GetFieldValue<DateTimeOffset>(8)));
        }

        return TypedResults.Ok(new LedgerPage(items, items.Count == size ? items[^1].Id : null));
    }

    private static async Task<Ok<List<Symbol>>> GetSymbolsAsync(HttpContext http, [FromKeyedServices("chat")] NpgsqlDataSource chat)
    {
        await using var command = chat.CreateCommand(
            "select id, symbol, timeframe, strategy::text, active, created_at from public.user_symbols where user_id = $1 order by id");
        command.Parameters.Add(new NpgsqlParameter { Value = http.User.UserId() });
        var symbols = new List<Symbol>();
        await using var reader = await command.ExecuteReaderAsync(http.RequestAborted);
        while (await reader.ReadAsync(http.RequestAborted))
        {
            symbols.Add(ReadSymbol(reader));
        }

        return TypedResults.Ok(symbols);
    }

    private static async Task<Results<Created<Symbol>, ProblemHttpResult>> AddSymbolAsync(
        HttpContext http, [FromKeyedServices("chat")] NpgsqlDataSource chat)
    {
        var (body, invalid) = await JsonBody.ReadObjectAsync(http.Request, http.RequestAborted);
        if (invalid is not null)
        {
            return invalid;
        }

        var symbolField = JsonBody.Field(body, "symbol");
        var timeframeField = JsonBody.Field(body, "timeframe");
        var strategy = JsonBody.Field(body, "strategy");
        if (symbolField is { ValueKind: not JsonValueKind.String } wrongSymbol)
        {
            return ApiErrors.BadRequest($"symbol must be a string like BTC/USDT, not {JsonBody.Kind(wrongSymbol)}.");
        }

        if (timeframeField is { ValueKind: not JsonValueKind.String } wrongTimeframe)
        {
            return ApiErrors.BadRequest(
                $"timeframe must be a string, one of {string.Join(", ", s_timeframes)}, not {JsonBody.Kind(wrongTimeframe)}.");
        }

        var symbolText = "";
        var timeframe = "1h";
        if ((symbolField is { } symbolValue ? JsonBody.Text(symbolValue, "symbol", out symbolText) : null) is { } badSymbol)
        {
            return badSymbol;
        }

        if ((timeframeField is { } timeframeValue ? JsonBody.Text(timeframeValue, "timeframe", out timeframe) : null) is { } badTimeframe)
        {
            return badTimeframe;
        }

        var symbol = symbolText.Trim().ToUpperInvariant();
        if (!SymbolPattern().IsMatch(symbol))
        {
            return ApiErrors.BadRequest("symbol must look like BTC/USDT (letters and digits, one slash).");
        }

        if (!s_timeframes.Contains(timeframe))
        {
            return ApiErrors.BadRequest($"timeframe must be one of {string.Join(", ", s_timeframes)}.");
        }

        if (strategy is { ValueKind: not JsonValueKind.Object } wrongStrategy)
        {
            return ApiErrors.BadRequest($"strategy must be a JSON object, not {JsonBody.Kind(wrongStrategy)}.");
        }

        await using var connection = await chat.OpenConnectionAsync(http.RequestAborted);
        await using var command = new NpgsqlCommand("""
            insert into public.user_symbols (user_id, symbol, timeframe, strategy)
            values ($1, $2, $3, coalesce($4::jsonb, '{}'))
            returning id, symbol, timeframe, strategy::text, active, created_at
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = http.User.UserId() });
        command.Parameters.Add(new NpgsqlParameter { Value = symbol });
        command.Parameters.Add(new NpgsqlParameter { Value = timeframe });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = strategy?.GetRawText() ?? (object)DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text,
        });
        try
        {
            await using var reader = await command.ExecuteReaderAsync(http.RequestAborted);
            await reader.ReadAsync(http.RequestAborted);
            var created = ReadSymbol(reader);
            return TypedResults.Created($"/me/symbols/{created.Id}", created);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return ApiErrors.Problem(StatusCodes.Status409Conflict, ApiErrors.Conflict, $"You already watch {symbol} on {timeframe}.");
        }
        catch (PostgresException ex) when (DatabaseErrors.Problem(ex, field: "strategy") is { } problem)
        {
            // Only the strategy reaches the statement unchecked: a value PostgreSQL cannot store (\u0000, a lone surrogate) is its.
            if (ex.SqlState.StartsWith("22", StringComparison.Ordinal))
            {
                // jsonb refuses it while the statement is bound. When that binding was the one that auto-prepared the statement,
                // Npgsql 10.0.3 keeps a prepared statement that no longer matches the server's, and the connection's next use of
                // it fails ("unexpected backend message DataRow", npgsql/npgsql#6391): forget them all before it goes back.
                connection.UnprepareAll();
            }

            return problem;
        }
    }

    private static async Task<Results<Ok<Symbol>, ProblemHttpResult>> ChangeSymbolAsync(
        HttpContext http, [FromKeyedServices("chat")] NpgsqlDataSource chat, long id)
    {
        var (body, invalid) = await JsonBody.ReadObjectAsync(http.Request, http.RequestAborted);
        if (invalid is not null)
        {
            return invalid;
        }

        if (JsonBody.Field(body, "active") is not { } activeField)
        {
            return ApiErrors.BadRequest("active (true to resume, false to pause) is required.");
        }

        if (activeField.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            return ApiErrors.BadRequest($"active must be true (resume) or false (pause), not {JsonBody.Kind(activeField)}.");
        }

        var active = activeField.GetBoolean();

        // The outbox trigger carries the change to B like any other; resuming is checked against the tier's limit.
        await using var command = chat.CreateCommand("""
            update public.user_symbols set active = $3 where id = $1 and user_id = $2
            returning id, symbol, timeframe, strategy::text, active, created_at
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = http.User.UserId() });
        command.Parameters.Add(new NpgsqlParameter { Value = active });
        try
        {
            await using var reader = await command.ExecuteReaderAsync(http.RequestAborted);
            return await reader.ReadAsync(http.RequestAborted)
                ? TypedResults.Ok(ReadSymbol(reader))
                : ApiErrors.Problem(StatusCodes.Status404NotFound, ApiErrors.NotFound, $"You watch no symbol with id {id}.");
        }
        catch (PostgresException ex) when (DatabaseErrors.Problem(ex) is { } problem)
        {
            return problem;
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveSymbolAsync(
        HttpContext http, [FromKeyedServices("chat")] NpgsqlDataSource chat, long id)
    {
        await using var command = chat.CreateCommand("delete from public.user_symbols where id = $1 and user_id = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = http.User.UserId() });
        try
        {
            return await command.ExecuteNonQueryAsync(http.RequestAborted) == 1
                ? TypedResults.NoContent()
                : ApiErrors.Problem(StatusCodes.Status404NotFound, ApiErrors.NotFound, $"You watch no symbol with id {id}.");
        }
        catch (PostgresException ex) when (DatabaseErrors.Problem(ex) is { } problem)
        {
            return problem;
        }
    }

    private static async Task<Results<Ok<SignalsReply>, ProblemHttpResult>> GetSignalsAsync(
        HttpContext http, UserContextStore store, CreditLedger ledger, CreditPricing pricing)
    {
        var user = http.User.UserId();
        var profile = await store.ProfileAsync(user, http.RequestAborted);
        if (profile is null || profile.Symbols.Count == 0)
        {
            return TypedResults.Ok(new SignalsReply([], 0, profile?.Available ?? 0));
        }

        var cost = pricing.ForData(profile.Symbols.Count);
        var requestId = $"data:{Guid.NewGuid():N}";
        try
        {
            await ledger.HoldAsync(user, cost, requestId, new { kind = "data" }, http.RequestAborted);
        }
        catch (CreditException ex) when (ex.Failure == CreditFailure.Insufficient)
        {
            return ApiErrors.Problem(StatusCodes.Status402PaymentRequired, ApiErrors.InsufficientCredits,
                $"Signals for {profile.Symbols.Count} symbols cost {cost} credits; {ex.Balance ?? profile.Available} are available.",
                new Dictionary<string, object?> { ["balance"] = ex.Balance ?? profile.Available, ["required"] = cost });
        }

        IReadOnlyList<SymbolSnapshot> snapshots;
        try
        {
            snapshots = await store.SnapshotsAsync(user, profile.Symbols, http.RequestAborted);
        }
        catch
        {
            await ledger.ReleaseAsync(requestId, CancellationToken.None);
            throw;
        }

        var settled = await ledger.SettleAsync(requestId, cost, "data", new { symbols = profile.Symbols.Count }, "signals", new { request_id = requestId },
            CancellationToken.None);
        return TypedResults.Ok(new SignalsReply(snapshots, settled.Amount, settled.Available));
    }

    private static Symbol ReadSymbol(NpgsqlDataReader reader) => new(
        reader.GetInt64(0), reader.GetString(1), reader.GetString(2),
        JsonDocument.Parse(reader.GetString(3)).RootElement.Clone(), reader.GetBoolean(4), reader.GetFieldValue<DateTimeOffset>(5));
}
