using Microsoft.AspNetCore.Http.HttpResults;

namespace Zmarty.Api.Errors;

/// <summary>
/// The contract's error bodies (docs/domain.md §6), served as RFC 7807 problem details with <c>error</c> and
/// <c>message</c> as extension members, so a client of either kind reads them.
/// </summary>
public static class ApiErrors
{
    public const string InvalidToken = "invalid_token";
    public const string InvalidRequest = "invalid_request";
    public const string InsufficientCredits = "insufficient_credits";
    public const string RateLimitExceeded = "rate_limit_exceeded";
    public const string MessageTooLong = "message_too_long";
    public const string AllProvidersFailed = "all_providers_failed";
    public const string ServerError = "server_error";
    public const string NotFound = "not_found";
    public const string Conflict = "conflict";
    public const string Forbidden = "forbidden";
    public const string SymbolLimitReached = "symbol_limit_reached";
    public const string ServiceUnavailable = "service_unavailable";
    public const string InvalidText = "invalid_text";
    public const string ReplyNotKept = "reply_not_kept";
    public const string ProviderError = "provider_error";
    public const string AnonymousNotAllowed = "anonymous_not_allowed";

    public static ProblemHttpResult Problem(int status, string error, string message, IDictionary<string, object?>? extra = null)
    {
        var extensions = new Dictionary<string, object?>(StringComparer.Ordinal) { ["error"] = error, ["message"] = message };
        foreach (var (key, value) in extra ?? new Dictionary<string, object?>())
        {
            extensions[key] = value;
        }

        return TypedResults.Problem(detail: message, statusCode: status, title: Title(error), extensions: extensions);
    }

    /// <summary>
    /// Gives the problems the framework writes itself (an unhandled exception, an unknown route) the
    /// contract's <c>error</c> and <c>message</c> too.
    /// </summary>
    public static void AddContractMembers(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Extensions.ContainsKey("error"))
        {
            return;
        }

        problem.Extensions["error"] = problem.Status switch
        {
            StatusCodes.Status404NotFound => NotFound,
            StatusCodes.Status401Unauthorized => InvalidToken,
            >= 400 and < 500 => InvalidRequest,
            _ => ServerError,
        };
        problem.Extensions["message"] = problem.Detail ?? problem.Title ?? "The request failed.";
    }

    public static ProblemHttpResult BadRequest(string message) => Problem(StatusCodes.Status400BadRequest, InvalidRequest, message);

    /// <summary>Declares, for the OpenAPI document, that the endpoints answer these statuses with an <see cref="ErrorBody"/>.</summary>
    public static TBuilder ProducesErrors<TBuilder>(this TBuilder builder, params int[] statuses)
        where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in statuses)
        {
            builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(ErrorBody), ["application/problem+json"]));
        }

        return builder;
    }

    private static string Title(string error) => error switch
    {
        InvalidToken => "Invalid token",
        InvalidRequest => "Invalid request",
        InsufficientCredits => "Insufficient credits",
        RateLimitExceeded => "Rate limit exceeded",
        MessageTooLong => "Message too long",
        AllProvidersFailed => "All providers failed",
        NotFound => "Not found",
        Conflict => "Conflict",
        Forbidden => "Forbidden",
        SymbolLimitReached => "Symbol limit reached",
        ServiceUnavailable => "Service unavailable",
        InvalidText => "Invalid text",
        ReplyNotKept => "Reply not kept",
        ProviderError => "Provider error",
        AnonymousNotAllowed => "Anonymous session not allowed",
        _ => "Server error",
    };
}

/// <summary>
/// An error answer as the OpenAPI document describes it: problem details (<c>type</c>, <c>title</c>, <c>status</c>,
/// <c>detail</c>) with the contract's members; the extras appear with the errors that have them.
/// </summary>
public sealed record ErrorBody(
    string Type, string Title, int Status, string Detail, string Error, string Message,
    long? Balance = null, long? Required = null, int? Limit = null, int? RetryAfter = null,
    IReadOnlyList<string>? Providers = null, string? TraceId = null);
