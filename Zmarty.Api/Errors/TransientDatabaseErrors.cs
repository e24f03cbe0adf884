using Microsoft.AspNetCore.Diagnostics;
using Zmarty.Api.Credits;

namespace Zmarty.Api.Errors;

/// <summary>
/// A database that is briefly unreachable (a restart, a failover) is not a fault of ours the client
/// can do nothing about: it gets 503 <c>service_unavailable</c> with <c>Retry-After</c>, and, because
/// every write of a refused request is undone or never made, it may simply retry (with the same
/// <c>Idempotency-Key</c> on <c>POST /chat</c>).
/// </summary>
public sealed partial class TransientDatabaseErrors(ILogger<TransientDatabaseErrors> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!TransientRetry.IsTransient(exception) || httpContext.Response.HasStarted)
        {
            return false;
        }

        LogUnavailable(logger, httpContext.Request.Path, exception.Message);
        httpContext.Response.Headers.RetryAfter = "1";
        await ApiErrors.Problem(StatusCodes.Status503ServiceUnavailable, ApiErrors.ServiceUnavailable,
            "A database is briefly unavailable; nothing was charged or written. Retry.").ExecuteAsync(httpContext);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path} answered 503: a database is unavailable ({Error})")]
    private static partial void LogUnavailable(ILogger logger, string path, string error);
}
