namespace Zmarty.AppHost.Commands;

/// <summary>
/// The commands that read the model without running it see every endpoint where <c>./zmarty up</c>
/// puts it: on the port the model declares, on loopback.
/// </summary>
internal static class DeclaredEndpoints
{
    public static void Allocate(DistributedApplicationModel model)
    {
        foreach (var endpoint in model.Resources.SelectMany(r => r.Annotations.OfType<EndpointAnnotation>()))
        {
            if (endpoint.Port is { } port && endpoint.AllocatedEndpoint is null)
            {
                endpoint.AllocatedEndpoint = new AllocatedEndpoint(endpoint, "localhost", port);
            }
        }
    }
}
