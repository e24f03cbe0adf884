namespace Zmarty.AppHost.Hosting;

public static class ResourceNames
{
    public const string SupabaseA = "supabase-a";
    public const string SupabaseB = "supabase-b";
    public const string Emulators = "emulators";
    public const string Api = "api";
    public const string Worker = "worker";
    public const string AdminUi = "admin";

    /// <summary>The connection string names the services read: a Supabase project each.</summary>
    public const string ChatConnection = "chat";
    public const string TradingConnection = "trading";
}
