using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Zmarty.Api.Chat;

/// <summary>
/// Marks an endpoint whose <c>text/event-stream</c> answer is a sequence of <see cref="ChatStreamEvent"/>s, so the
/// OpenAPI document says so: ApiExplorer gives every content type of a status the one response type (the JSON reply).
/// </summary>
public sealed class ChatStreamDocument
{
    public const string SchemaName = nameof(ChatStreamEvent);

    public sealed class Transformer : IOpenApiOperationTransformer
    {
        public async Task TransformAsync(
            OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
        {
            if (!context.Description.ActionDescriptor.EndpointMetadata.OfType<ChatStreamDocument>().Any()
                || context.Document is not { } document
                || operation.Responses is null
                || !operation.Responses.TryGetValue("200", out var ok)
                || ok.Content is null
                || !ok.Content.TryGetValue("text/event-stream", out var stream))
            {
                return;
            }

            var schema = await context.GetOrCreateSchemaAsync(typeof(ChatStreamEvent), cancellationToken: cancellationToken);
            // The discriminator's mapping names a component per variant that the framework registers only for types it
            // meets in endpoints; the variants stay inline instead, each with its required "type" literal, which is all
            // a client needs to tell them apart.
            schema.Discriminator = null;
            foreach (var variant in (schema.AnyOf ?? []).OfType<OpenApiSchema>())
            {
                (variant.Required ??= new HashSet<string>(StringComparer.Ordinal)).Add("type");
            }

            document.AddComponent(SchemaName, schema);
            stream.Schema = new OpenApiSchemaReference(SchemaName, document);
        }
    }
}
