using System.Text;

namespace Zmarty.AppHost.Hosting;

internal static class ResourceTable
{
    /// <summary>One row per server and service; a database's state is its server's plus its migrations, so it has no row.</summary>
    public static string Render(IReadOnlyList<ResourceSnapshot> resources)
    {
        var rows = resources.Where(r => r.Type != "database").ToList();
        var nameWidth = Math.Max("resource".Length, rows.Max(r => r.Name.Length));
        var stateWidth = Math.Max("state".Length, rows.Max(r => r.StateText.Length));
        var table = new StringBuilder();
        table.AppendLine($"  {"resource".PadRight(nameWidth)}  {"state".PadRight(stateWidth)}  url");
        foreach (var resource in rows)
        {
            table.AppendLine($"  {resource.Name.PadRight(nameWidth)}  {resource.StateText.PadRight(stateWidth)}  {resource.Url}");
        }

        return table.ToString();
    }
}
