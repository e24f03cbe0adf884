using Microsoft.AspNetCore.Components;
using Zmarty.Dashboard.Telemetry;

namespace Zmarty.Dashboard.Components.Shared;

/// <summary>
/// A page over the <see cref="TelemetryStore"/>: it re-reads what it shows when telemetry arrived,
/// at most every <see cref="s_throttle"/>, on its own renderer (<c>InvokeAsync</c>). Exports arrive
/// thousands of times a second; the page never renders more than a few times.
/// </summary>
public abstract class TelemetryPage : ComponentBase, IDisposable
{
    private static readonly TimeSpan s_throttle = TimeSpan.FromMilliseconds(500);

    private readonly CancellationTokenSource _disposed = new();
    private int _changed;

    [Inject]
    public required TelemetryStore Store { get; init; }

    /// <summary>Reads what the page shows from the store; called on the page's renderer.</summary>
    protected abstract void Read();

    protected override void OnInitialized()
    {
        Store.Changed += OnChanged;
        _ = RefreshWhileShownAsync();
    }

    protected override void OnParametersSet() => Read();

    /// <summary>For filters: read again now rather than at the next tick.</summary>
    protected void ReadNow()
    {
        Read();
        StateHasChanged();
    }

    private void OnChanged() => Interlocked.Exchange(ref _changed, 1);

    private async Task RefreshWhileShownAsync()
    {
        using var timer = new PeriodicTimer(s_throttle);
        try
        {
            while (await timer.WaitForNextTickAsync(_disposed.Token))
            {
                if (Interlocked.Exchange(ref _changed, 0) == 1)
                {
                    await InvokeAsync(() =>
                    {
                        Read();
                        StateHasChanged();
                    });
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        Store.Changed -= OnChanged;
        _disposed.Cancel();
        _disposed.Dispose();
        GC.SuppressFinalize(this);
    }
}
