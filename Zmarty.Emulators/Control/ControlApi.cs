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

        // Only the emulated vendors have a state: any other name is refused here, before a handler runs.
        var vendor = control.MapGroup("/{provider}").AddEndpointFilter(async (context, next) =>
            context.HttpContext.GetRouteValue("provider") is string provider && !EmulatorState.Vendors.Contains(provider)
                ? Unknown(provider)
                : await next(context));

        vendor.MapPut("", (string provider, Fault fault, EmulatorState state) =>
        {
            state.For(provider).Fault = fault;
            return TypedResults.NoContent();
        });

        vendor.MapGet("", (string provider, EmulatorState state) =>
        {
            var current = state.For(provider);
            return TypedResults.Ok(new ProviderReport(current.Fault, current.Calls, current.Requests().Length));
        });

        vendor.MapGet("/requests", (string provider, EmulatorState state) => TypedResults.Ok(state.For(provider).Requests()));

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
