using Microsoft.AspNetCore.Components;
using Microsoft.FluentUI.AspNetCore.Components;
using Zmarty.AdminUi.Components.Shared;
using Zmarty.AdminUi.Data;

namespace Zmarty.AdminUi.Components.Pages.Pipeline;

/// <summary>Watchers and stale data, signals and win rates (B); the symbol outbox and today's credits per provider (A).</summary>
public sealed partial class PipelinePage : LivePage<PipelineSnapshot>
{
    [Inject]
    public required PipelineData Pipeline { get; init; }

    private static BadgeColor DirectionColor(string direction) => direction switch
    {
        "long" => BadgeColor.Success,
        "short" => BadgeColor.Danger,
        _ => BadgeColor.Subtle,
    };
}
