using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Zmarty.Api.Auth;
using Zmarty.Api.Errors;

namespace Zmarty.Api.Voice;

/// <summary><c>GET /audio/{id}</c>: a voice reply, to its owner (bearer token) or to whoever holds a valid signed link.</summary>
public static class AudioApi
{
    public static IEndpointRouteBuilder MapAudioApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/audio/{id:guid}", GetAsync)
            .AllowAnonymous()
            .WithTags("Voice")
            .WithSummary("A voice reply (audio/mpeg): with the owner's token, or with expires and sig from audio_url.");
        return app;
    }

    private static async Task<IResult> GetAsync(HttpContext http, Guid id, long? expires, string? sig, AudioStore store, AudioLinks links)
    {
        Guid? owner = null;
        if (expires is null || !links.Verify(id, expires.Value, sig))
        {
            var auth = await http.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
            if (auth.Principal is not ClaimsPrincipal user || !auth.Succeeded)
            {
                return ApiErrors.Problem(StatusCodes.Status401Unauthorized, ApiErrors.InvalidToken,
                    "This link is not valid (or has expired); sign in as the owner to hear it.");
            }

            owner = user.UserId();
        }

        // Someone else's clip is "not found", so ids cannot be probed.
        return await store.FindAsync(id, owner, http.RequestAborted) is var (contentType, audio)
            ? TypedResults.File(audio, contentType)
            : ApiErrors.Problem(StatusCodes.Status404NotFound, ApiErrors.NotFound, "No such voice reply.");
    }
}
