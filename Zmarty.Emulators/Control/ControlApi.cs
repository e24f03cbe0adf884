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

        control.MapPut("/{provider}", (string provider, Fault fault, EmulatorState state) =>
        {
            state.For(provider).Fault = fault;
            return TypedResults.NoContent();
        });

        control.MapGet("/{provider}", (string provider, EmulatorState state) =>
        {
            var current = state.For(provider);
            return TypedResults.Ok(new ProviderReport(current.Fault, current.Calls, current.Requests().Length));
        });

        control.MapGet("/{provider}/requests", (string provider, EmulatorState state) =>
            TypedResults.Ok(state.For(provider).Requests()));

        control.MapDelete("/", (EmulatorState state) =>
        {
            state.Reset();
            return TypedResults.NoContent();
        });

        return app;
    }

    private sealed record ProviderReport(Fault Fault, long Calls, int KeptRequests);
}
