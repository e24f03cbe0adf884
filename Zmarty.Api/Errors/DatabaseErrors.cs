using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Zmarty.Api.Errors;

/// <summary>
/// The SQLSTATEs our migrations raise for what a caller did wrong (class ZC: credits, ZS: symbols;
/// docs/database.md), each as the contract's 4xx. A code missing here would reach the client as a
/// 500: a test reads every code the migrations raise and checks it is listed.
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
        [PostgresErrorCodes.UniqueViolation] = (StatusCodes.Status409Conflict, ApiErrors.Conflict),
    };

    /// <summary>The contract's problem for <paramref name="exception"/>, or null when it is not the caller's doing.</summary>
    public static ProblemHttpResult? Problem(PostgresException exception, string? message = null)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return Codes.TryGetValue(exception.SqlState, out var mapped)
            ? ApiErrors.Problem(mapped.Status, mapped.Error, message ?? exception.MessageText)
            : null;
    }
}
