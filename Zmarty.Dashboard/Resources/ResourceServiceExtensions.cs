namespace Zmarty.Dashboard.Resources;

// SKELETON (helper "resources" replaces this): the client of the AppHost's resource service.
internal static class ResourceServiceExtensions
{
    public static void AddResourceService(this WebApplicationBuilder builder)
    {
    }
}
