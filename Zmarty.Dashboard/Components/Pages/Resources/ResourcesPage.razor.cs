using Grpc.Core;
using Microsoft.AspNetCore.Components;
using Microsoft.FluentUI.AspNetCore.Components;
using Zmarty.Dashboard.Resources;

namespace Zmarty.Dashboard.Components.Pages.Resources;

/// <summary>Every resource of the app model, live, with stop, start and restart; a resource's environment with secrets masked.</summary>
public sealed partial class ResourcesPage : ComponentBase, IDisposable
{
    [Inject]
    public required ResourceWatcher Watcher { get; init; }

    private string? Selected { get; set; }

    private bool Busy { get; set; }

    private string? Message { get; set; }

    private bool Failed { get; set; }

    protected override void OnInitialized() => Watcher.Changed += OnChanged;

    private void OnChanged() => _ = InvokeAsync(StateHasChanged);

    private async Task RunAsync(string resource, string command)
    {
        Busy = true;
        Message = $"{command} {resource}…";
        Failed = false;
        try
        {
            var result = await Watcher.ExecuteAsync(resource, command, CancellationToken.None);
            (Message, Failed) = result.Succeeded ? ($"{command} {resource}: done.", false) : (result.ErrorMessage, true);
        }
        catch (RpcException ex)
        {
            (Message, Failed) = ($"{command} {resource} failed: {ex.Status.Detail}", true);
        }
        finally
        {
            Busy = false;
        }
    }

    private static BadgeColor BadgeOf(string state) => state switch
    {
        "running" => BadgeColor.Success,
        "unhealthy" or "exited" or "failed to start" => BadgeColor.Danger,
        "starting" or "waiting" or "stopping" => BadgeColor.Warning,
        _ => BadgeColor.Subtle,
    };

    public void Dispose() => Watcher.Changed -= OnChanged;
}
