using System.Security.Cryptography;
using Aspire.Hosting.Publishing;

namespace Zmarty.AppHost.Commands;

/// <summary>A Standard Webhooks secret, <c>whsec_</c> and base64, the form the relay and the receiver both require.</summary>
internal sealed class WebhookSecretDefault : ParameterDefault
{
    public override string GetDefaultValue() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public override void WriteToManifest(ManifestPublishingContext context) =>
        throw new NotSupportedException("The webhook secret is generated for local runs only; a deployment sets Webhooks__Secret.");
}
