using Zmarty.Api.Chat;
using Zmarty.Api.Voice;

namespace Zmarty.Api.Health;

/// <summary>
/// One provider as <c>/healthz</c> probes it: a GET that succeeds only when the provider answers, takes the key the
/// Api calls it with, and knows the model (or voice) the Api asks for. <paramref name="Subject"/> names that model
/// or voice in the error when the provider does not know it.
/// </summary>
public sealed record ProbeTarget(string Name, Uri Url, IReadOnlyList<KeyValuePair<string, string>> Headers, string Subject)
{
    /// <summary>
    /// The model providers at the same endpoint, with the same key, as the router calls them (<c>GET {base}/models/{model}</c>,
    /// which OpenAI, xAI and Anthropic answer with 404 for a model they do not serve), and ElevenLabs' voice.
    /// </summary>
    public static IReadOnlyList<ProbeTarget> From(ChatOptions chat, VoiceOptions voice, string emulators)
    {
        var targets = new List<ProbeTarget>();
        foreach (var (name, provider) in chat.Providers)
        {
            var key = string.IsNullOrEmpty(provider.ApiKey) ? Chat.Router.ProviderClients.EmulatorKey : provider.ApiKey;
            List<KeyValuePair<string, string>> headers = [new("Authorization", "Bearer " + key)];
            if (provider.GenAiProvider == "anthropic")
            {
                // Anthropic's own endpoints (its models list among them) take the key in x-api-key.
                headers.Add(new("x-api-key", key));
                headers.Add(new("anthropic-version", "2023-06-01"));
            }

            var endpoint = provider.ResolveEndpoint(emulators).ToString().TrimEnd('/');
            var url = new Uri($"{endpoint}/models/{Uri.EscapeDataString(provider.Model)}");
            targets.Add(new ProbeTarget(name, url, headers, $"model '{provider.Model}'"));
        }

        targets.Add(new ProbeTarget(
            "elevenlabs",
            new Uri($"{voice.ResolveEndpoint(emulators)}/v1/voices/{Uri.EscapeDataString(voice.VoiceId)}"),
            [new("xi-api-key", voice.KeyOrEmulators)],
            $"voice '{voice.VoiceId}'"));
        return targets;
    }
}
