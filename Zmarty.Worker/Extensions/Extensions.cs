namespace Zmarty.Worker.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        // The queue consumers work on B; the symbol relay reads A's outbox.
        builder.AddNpgsqlDataSource("trading");
        builder.AddNpgsqlDataSource("chat");
    }
}
