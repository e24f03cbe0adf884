using System.Net;

namespace Zmarty.Tests.Reliability.Fuzzing;

/// <summary>What an answer must be, beyond what every answer must be (no 5xx, within 15 s).</summary>
internal enum FuzzExpectation
{
    /// <summary>Any answer but a server error.</summary>
    NoServerError,

    /// <summary>Credentials that prove no user: 401, whatever else is wrong with the request.</summary>
    Unauthorized,

    /// <summary>
    /// Providers fail on purpose: 503 (<c>all_providers_failed</c>, a failure that may pass) or 502 (<c>provider_error</c>,
    /// every provider refused in a way a retry will not change) is the contract's answer; any other 5xx is not.
    /// </summary>
    ProvidersFailing,

    /// <summary>Refused (4xx): an unsigned or badly signed webhook, or a chat for a session that may not spend credits.</summary>
    Refused,
}

/// <summary>A request body: exact bytes, the content type they are labelled with (null: none), and whether they trickle in.</summary>
internal sealed record FuzzBody(byte[] Bytes, string? ContentType, bool Slow = false);

/// <summary>
/// One hostile request: the operation it targets, its cause (<see cref="Kind"/>, what the report groups by) and what
/// exactly it sends (<see cref="Detail"/>).
/// </summary>
internal sealed record FuzzCase(
    ApiOperation Operation,
    string Kind,
    string Detail,
    string Method,
    string PathAndQuery,
    FuzzBody? Body,
    string? Authorization,
    FuzzExpectation Expectation = FuzzExpectation.NoServerError)
{
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>Whether an answer with <paramref name="status"/> breaks this request's rule.</summary>
    public bool Violates(HttpStatusCode status) => (int)status switch
    {
        >= 500 => Expectation != FuzzExpectation.ProvidersFailing
            || status is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway),
        _ when Expectation == FuzzExpectation.Unauthorized => status != HttpStatusCode.Unauthorized,
        < 400 => Expectation == FuzzExpectation.Refused,
        _ => false,
    };
}
