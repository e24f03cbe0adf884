namespace Zmarty.Emulators.Control;

/// <summary>
/// The test-facing side of the emulators: set a provider's fault plan, read what it received, reset.
/// Provider names are the emulated vendors' (<c>xai</c>, <c>openai</c>, <c>anthropic</c>, <c>elevenlabs</c>, ...).
/// </summary>
public static class ControlApi
{
    public static IEndpointRouteBuilder MapControlApi(this IEndpointRouteBuilder app)
    {
        var control = app.MapGroup("/control");

        control.MapPut("/{provider}", IResult (string provider, Fault fault, EmulatorState state) =>
        {
            if (!EmulatorState.Vendors.Contains(provider))
            {
                return Unknown(provider);
            }

            state.For(provider).Fault = fault;
            return TypedResults.NoContent();
        });

        control.MapGet("/{provider}", IResult (string provider, EmulatorState state) =>
        {
            if (!EmulatorState.Vendors.Contains(provider))
            {
                return Unknown(provider);
            }

            var current = state.For(provider);
            return TypedResults.Ok(new ProviderReport(current.Fault, current.Calls, current.Requests().Length));
        });

        control.MapGet("/{provider}/requests", IResult (string provider, EmulatorState state) =>
            EmulatorState.Vendors.Contains(provider) ? TypedResults.Ok(state.For(provider).Requests()) : Unknown(provider));

        control.MapDelete("/", (EmulatorState state) =>
        {
            state.Reset();
            return TypedResults.NoContent();
        });

        return app;
    }

    private static IResult Unknown(string provider) => TypedResults.Problem(
        $"'{provider}' is not an emulated vendor; these are: {string.Join(", ", EmulatorState.Vendors.Order())}.", statusCode: 404);

    private sealed record ProviderReport(Fault Fault, long Calls, int KeptRequests);
}
