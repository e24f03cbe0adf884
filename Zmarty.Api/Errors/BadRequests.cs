using Microsoft.AspNetCore.Diagnostics;

namespace Zmarty.Api.Errors;

/// <summary>
/// A request the framework could not bind (a query value that is not a number, <c>?before=abc</c>, <c>?limit=1e400</c>)
/// answers with the contract's <c>invalid_request</c> and the framework's reason, which names the parameter, in every
/// environment: the Api asks the framework to throw on such requests (<c>RouteHandlerOptions.ThrowOnBadRequest</c>),
/// which in Development otherwise ends as a 500 and elsewhere as a 400 without a word.
/// </summary>
public sealed class BadRequests : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad || httpContext.Response.HasStarted)
        {
            return false;
        }

        var status = bad.StatusCode is >= 400 and < 500 ? bad.StatusCode : StatusCodes.Status400BadRequest;
        await ApiErrors.Problem(status, ApiErrors.InvalidRequest, bad.Message).ExecuteAsync(httpContext);
        return true;
    }
}
