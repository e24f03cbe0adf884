using Zmarty.Webhooks;

namespace Zmarty.Worker.Relay;

/// <summary>The Standard Webhooks secret the relay signs with (section <see cref="SectionName"/>, shared with the Api's receiver).</summary>
public sealed class WebhookSigningOptions
{
    public const string SectionName = "Webhooks";

    /// <summary><c>whsec_</c> + base64 of at least 24 random bytes.</summary>
    public string Secret { get; set; } = "";

    internal byte[] Key => StandardWebhooks.TryParseSecret(Secret, out var key)
        ? key
        : throw new InvalidOperationException("Webhooks:Secret is not a whsec_ secret.");
}
