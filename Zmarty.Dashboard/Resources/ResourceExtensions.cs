namespace Zmarty.Dashboard.Resources;

internal static class ResourceExtensions
{
    public static void AddResourceWatcher(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ResourceWatcher>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ResourceWatcher>());
    }
}
