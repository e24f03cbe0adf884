using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Zmarty.Api.Extensions;

/// <summary>
/// The Api leaves null members out of its JSON (<c>WhenWritingNull</c>), so in the OpenAPI document a nullable
/// member is optional, not required: a generated client then reads an absent <c>audio_url</c> as the type says.
/// </summary>
internal sealed class OmittedNulls : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (schema.Required is { Count: > 0 } required && schema.Properties is { } properties)
        {
            foreach (var (name, property) in properties)
            {
                if (property.Type is { } type && type.HasFlag(JsonSchemaType.Null))
                {
                    required.Remove(name);
                }
            }
        }

        return Task.CompletedTask;
    }
}
