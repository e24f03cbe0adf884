using Microsoft.AspNetCore.Components;
using Zmarty.AdminUi.Live;

namespace Zmarty.AdminUi.Components.Shared;

/// <summary>
/// A page fed by one shared <see cref="LivePoll{T}"/>: it subscribes while it is shown and
/// re-renders on its own renderer (<c>InvokeAsync</c>) after each read.
/// </summary>
public abstract class LivePage<T> : ComponentBase, IDisposable where T : class
{
    private IDisposable? _subscription;

    [Inject]
    public required LivePoll<T> Poll { get; init; }

    protected LiveResult<T> Live => Poll.Current;

    protected T? Data => Poll.Current.Value;

    protected override void OnInitialized() =>
        _subscription = Poll.Subscribe(() => InvokeAsync(StateHasChanged));

    /// <summary>Runs an action, then reads at once so the page shows its effect without waiting for the next poll.</summary>
    protected async Task ActAsync(Func<Task> action, Func<string> done)
    {
        try
        {
            await action();
            ActionMessage = done();
            ActionFailed = false;
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
        {
            ActionMessage = ex.Message;
            ActionFailed = true;
        }

        await Poll.RefreshAsync();
    }

    protected string? ActionMessage { get; private set; }

    protected bool ActionFailed { get; private set; }

    public void Dispose()
    {
        _subscription?.Dispose();
        GC.SuppressFinalize(this);
    }
}
