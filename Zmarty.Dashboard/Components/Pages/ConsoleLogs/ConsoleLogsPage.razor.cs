using Grpc.Core;
using Microsoft.AspNetCore.Components;
using Zmarty.Dashboard.Resources;
using Zmarty.Dashboard.Resources.Proto;

namespace Zmarty.Dashboard.Components.Pages.ConsoleLogs;

/// <summary>
/// One resource's stdout and stderr as the AppHost captured them (PostgreSQL's log included), kept
/// lines first, then live; rendered at most every <see cref="s_throttle"/>.
/// </summary>
public sealed partial class ConsoleLogsPage : ComponentBase, IDisposable
{
    private const int MaxLines = 10_000;

    private static readonly TimeSpan s_throttle = TimeSpan.FromMilliseconds(250);

    private readonly Lock _gate = new();
    private CancellationTokenSource? _following;
    private List<ConsoleLogLine> _incoming = [];

    [Inject]
    public required ResourceWatcher Watcher { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Parameter]
    public string? Resource { get; set; }

    private List<ConsoleLogLine> Lines { get; set; } = [];

    protected override void OnInitialized() => Watcher.Changed += OnResourcesChanged;

    protected override void OnParametersSet()
    {
        if (_following is not null)
        {
            _following.Cancel();
            _following.Dispose();
            _following = null;
        }

        Lines = [];
        if (Resource is { Length: > 0 } resource && Watcher.IsConfigured)
        {
            _following = new CancellationTokenSource();
            _ = FollowAsync(resource, _following.Token);
            _ = RenderWhileFollowingAsync(_following.Token);
        }
    }

    private Task ChooseAsync(ChangeEventArgs change)
    {
        Navigation.NavigateTo($"consolelogs/{change.Value}");
        return Task.CompletedTask;
    }

    private async Task FollowAsync(string resource, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var line in Watcher.FollowConsoleAsync(resource, cancellationToken))
            {
                lock (_gate)
                {
                    _incoming.Add(line);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or RpcException)
        {
        }
    }

    private async Task RenderWhileFollowingAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(s_throttle);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                List<ConsoleLogLine> arrived;
                lock (_gate)
                {
                    (arrived, _incoming) = (_incoming, []);
                }

                if (arrived.Count > 0)
                {
                    await InvokeAsync(() =>
                    {
                        Lines = [.. Lines.Concat(arrived).TakeLast(MaxLines)];
                        StateHasChanged();
                    });
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void OnResourcesChanged() => _ = InvokeAsync(StateHasChanged);

    public void Dispose()
    {
        Watcher.Changed -= OnResourcesChanged;
        _following?.Cancel();
        _following?.Dispose();
    }
}
