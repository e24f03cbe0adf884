using System.Text;

namespace Zmarty.AppHost.Hosting;

internal static class ResourceTable
{
    public static string Render(IReadOnlyList<ResourceSnapshot> resources)
    {
        var nameWidth = Math.Max("resource".Length, resources.Max(r => r.Name.Length));
        var stateWidth = Math.Max("state".Length, resources.Max(r => r.State.Length));
        var table = new StringBuilder();
        table.AppendLine($"  {"resource".PadRight(nameWidth)}  {"state".PadRight(stateWidth)}  url");
        foreach (var resource in resources)
        {
            table.AppendLine($"  {resource.Name.PadRight(nameWidth)}  {resource.State.PadRight(stateWidth)}  {resource.Url}");
        }

        return table.ToString();
    }
}
