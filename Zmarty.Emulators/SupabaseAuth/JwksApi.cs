using System.Text.Json.Nodes;

namespace Zmarty.Emulators.SupabaseAuth;

/// <summary>
/// The JWKS a Supabase project publishes at <c>/auth/v1/.well-known/jwks.json</c> for its asymmetric
/// (ES256/RS256) signing keys. A test puts the public keys it signs with (<c>PUT /control/supabase/jwks</c>),
/// and rotates them the same way.
/// </summary>
public static class JwksApi
{
    public static IEndpointRouteBuilder MapSupabaseJwksApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/supabase/auth/v1/.well-known/jwks.json", (JwksState jwks) =>
        {
            jwks.CountFetch();
            return TypedResults.Content(jwks.Current.ToJsonString(), "application/json");
        });

        app.MapPut("/control/supabase/jwks", (JsonObject keySet, JwksState jwks) =>
        {
            if (keySet["keys"] is not JsonArray)
            {
                return Results.Problem("A JWKS is an object with a keys array.", statusCode: 400);
            }

            jwks.Current = keySet;
            return Results.NoContent();
        });

        app.MapGet("/control/supabase/jwks", (JwksState jwks) => TypedResults.Ok(new { fetches = jwks.Fetches }));

        return app;
    }
}

public sealed class JwksState
{
    private long _fetches;

    public JsonObject Current { get; set; } = new() { ["keys"] = new JsonArray() };

    public long Fetches => Interlocked.Read(ref _fetches);

    public void CountFetch() => Interlocked.Increment(ref _fetches);
}
