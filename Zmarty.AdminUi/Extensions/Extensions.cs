namespace Zmarty.AdminUi.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents()
            .AddInteractiveServerComponents();

        // Queue depth, cron runs and the error log all live in B.
        builder.AddNpgsqlDataSource("trading");
    }
}
