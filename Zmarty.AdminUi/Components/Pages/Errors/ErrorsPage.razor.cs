using Zmarty.AdminUi.Components.Shared;
using Zmarty.AdminUi.Data;

namespace Zmarty.AdminUi.Components.Pages.Errors;

/// <summary>The newest rows of ops.error_log from every service, filtered in the page by service and level.</summary>
public sealed partial class ErrorsPage : LivePage<ErrorsSnapshot>
{
    private string Service { get; set; } = "";

    private string Level { get; set; } = "";

    private IEnumerable<ErrorEntry> Shown(ErrorsSnapshot data) =>
        data.Entries.Where(e => (Service.Length == 0 || e.Service == Service) && (Level.Length == 0 || e.Level == Level));
}
