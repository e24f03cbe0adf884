namespace Zmarty.Api.Webhooks;

public static class WebhooksApi
{
    /// <summary>The receivers of signed webhooks (Standard Webhooks; docs/database.md, "Outbox").</summary>
    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        var hooks = app.MapGroup("/hooks");
        // The handler reads the raw body itself: the signature covers its exact bytes.
        hooks.MapPost("/watchers-upsert", (HttpContext context, WebhookReceiver receiver) => receiver.ReceiveAsync(context))
            .WithName("WatchersUpsert");
        return app;
    }
}
