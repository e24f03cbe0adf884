using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Zmarty.Api.Errors;

/// <summary>
/// The SQLSTATEs our migrations raise for what a caller did wrong (class ZC: credits, ZS: symbols;
/// docs/database.md), each as the contract's 4xx, and the classes of PostgreSQL's own errors that a caller's
/// values can cause. A code missing here would reach the client as a 500: a test reads every code the migrations
/// raise and checks it is listed.
/// </summary>
public static class DatabaseErrors
{
    public static readonly IReadOnlyDictionary<string, (int Status, string Error)> Codes =
        new Dictionary<string, (int, string)>(StringComparer.Ordinal)
    {
        ["ZC400"] = (StatusCodes.Status400BadRequest, ApiErrors.InvalidRequest),
        ["ZC402"] = (StatusCodes.Status402PaymentRequired, ApiErrors.InsufficientCredits),
        ["ZC404"] = (StatusCodes.Status404NotFound, ApiErrors.NotFound),
        ["ZC409"] = (StatusCodes.Status409Conflict, ApiErrors.Conflict),
        ["ZC422"] = (StatusCodes.Status422UnprocessableEntity, ApiErrors.InvalidRequest),
        ["ZS400"] = (StatusCodes.Status400BadRequest, ApiErrors.InvalidRequest),
        ["ZS403"] = (StatusCodes.Status403Forbidden, ApiErrors.SymbolLimitReached),
        // The contract answers a user without a profile with 403, as POST /chat does.
        ["ZS404"] = (StatusCodes.Status403Forbidden, ApiErrors.Forbidden),
        // A's own limit on a user's symbol changes (every writer, PostgREST included).
        ["ZS429"] = (StatusCodes.Status429TooManyRequests, ApiErrors.RateLimitExceeded),
        [PostgresErrorCodes.UniqueViolation] = (StatusCodes.Status409Conflict, ApiErrors.Conflict),
    };

    /// <summary>
    /// PostgreSQL's classes a caller's values reach: 22, data exceptions (text jsonb cannot hold, such as <c>\u0000</c>
    /// (22P05) or a lone surrogate (22P02), a byte sequence the encoding lacks (22021), a number out of range (22003));
    /// 23, a constraint the value breaks; 54, a value past a limit of the server (a JSON nested too deep).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, (int Status, string Error)> Classes =
        new Dictionary<string, (int, string)>(StringComparer.Ordinal)
    {
        ["22"] = (StatusCodes.Status400BadRequest, ApiErrors.InvalidRequest),
        ["23"] = (StatusCodes.Status400BadRequest, ApiErrors.InvalidRequest),
        ["54"] = (StatusCodes.Status400BadRequest, ApiErrors.InvalidRequest),
    };

    /// <summary>
    /// The contract's problem for <paramref name="exception"/>, or null when it is not the caller's doing. A class error
    /// is reported against <paramref name="field"/>, the one value of the statement that could have caused it.
    /// </summary>
    public static ProblemHttpResult? Problem(PostgresException exception, string? message = null, string? field = null)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (Codes.TryGetValue(exception.SqlState, out var mapped))
        {
            return ApiErrors.Problem(mapped.Status, mapped.Error, message ?? exception.MessageText);
        }

        if (exception.SqlState.Length == 5 && Classes.TryGetValue(exception.SqlState[..2], out var byClass))
        {
            var what = exception.Detail is { Length: > 0 } detail ? $"{exception.MessageText} ({detail})" : exception.MessageText;
            return ApiErrors.Problem(byClass.Status, byClass.Error,
                message ?? (field is null ? $"A value could not be stored: {what}" : $"{field} could not be stored: {what}"));
        }

        return null;
    }
}
