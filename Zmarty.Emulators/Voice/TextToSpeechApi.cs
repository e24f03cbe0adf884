using System.Text.Json;
using Zmarty.Emulators.Control;

namespace Zmarty.Emulators.Voice;

/// <summary>
/// ElevenLabs text-to-speech (docs/domain.md §7): <c>POST /elevenlabs/v1/text-to-speech/{voice_id}</c> and
/// <c>.../stream</c>, header <c>xi-api-key</c>, body <c>{text, model_id, voice_settings}</c>, query
/// <c>output_format</c> (default <c>mp3_44100_128</c>); the answer is the audio bytes.
/// </summary>
public static class TextToSpeechApi
{
    public const string Provider = "elevenlabs";

    /// <summary>ElevenLabs' premade voices by id: a voice not here is not found, as an id the account lacks is.</summary>
    public static readonly IReadOnlyDictionary<string, string> Voices = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["21m00Tcm4TlvDq8ikWAM"] = "Rachel",
        ["EXAVITQu4vr4xnSDxMaL"] = "Sarah",
        ["pNInz6obpgDQGcFmaJgB"] = "Adam",
    };

    public static IEndpointRouteBuilder MapTextToSpeechApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/elevenlabs/v1/text-to-speech/{voiceId}", SpeakAsync);
        app.MapPost("/elevenlabs/v1/text-to-speech/{voiceId}/stream", SpeakAsync);
        app.MapGet("/elevenlabs/v1/voices/{voiceId}", GetVoiceAsync);
        return app;
    }

    private static async Task GetVoiceAsync(HttpContext context, string voiceId)
    {
        if (await RefusedAsync(context, voiceId))
        {
            return;
        }

        await context.Response.WriteAsJsonAsync(new { voice_id = voiceId, name = Voices[voiceId], category = "premade" });
    }

    /// <summary>A missing or wrong <c>xi-api-key</c> (only the emulators' key is valid here), or a voice that is not there.</summary>
    private static async Task<bool> RefusedAsync(HttpContext context, string voiceId)
    {
        var aborted = context.RequestAborted;
        var key = context.Request.Headers["xi-api-key"].ToString();
        if (string.IsNullOrEmpty(key))
        {
            await WriteErrorAsync(context, 401, "needs_authorization", "Missing xi-api-key header.", aborted);
            return true;
        }

        if (key != Llm.ChatCompletionsApi.EmulatorKey)
        {
            await WriteErrorAsync(context, 401, "invalid_api_key", "Invalid API key", aborted);
            return true;
        }

        if (!Voices.ContainsKey(voiceId))
        {
            await WriteErrorAsync(context, 404, "voice_not_found", $"A voice with the voice_id {voiceId} was not found.", aborted);
            return true;
        }

        return false;
    }

    private static async Task SpeakAsync(HttpContext context, string voiceId, EmulatorState state)
    {
        var aborted = context.RequestAborted;
        if (await RefusedAsync(context, voiceId))
        {
            return;
        }

        TextToSpeechRequest? request;
        try
        {
            request = await context.Request.ReadFromJsonAsync<TextToSpeechRequest>(aborted);
        }
        catch (JsonException)
        {
            request = null;
        }

        var fault = state.For(Provider).Begin(request is null ? null : JsonSerializer.SerializeToNode(request with { VoiceId = voiceId }));
        if (request is null || string.IsNullOrWhiteSpace(request.Text))
        {
            await WriteErrorAsync(context, 400, "invalid_text", "text is required.", aborted);
            return;
        }

        if (await FaultGate.TryFailAsync(context, fault, (status, message) => ErrorBody(status, "emulated_fault", message), aborted))
        {
            return;
        }

        var format = context.Request.Query["output_format"].ToString();
        (string ContentType, byte[] Audio)? output = format switch
        {
            "" or "mp3_44100_128" => ("audio/mpeg", AudioSynth.Mp3(request.Text)),
            "pcm_16000" => ("audio/pcm", AudioSynth.Pcm(request.Text, 16_000)),
            "pcm_22050" => ("audio/pcm", AudioSynth.Pcm(request.Text, 22_050)),
            "pcm_24000" => ("audio/pcm", AudioSynth.Pcm(request.Text, 24_000)),
            "pcm_44100" => ("audio/pcm", AudioSynth.Pcm(request.Text, 44_100)),
            _ => null,
        };
        if (output is not var (contentType, audio))
        {
            await WriteErrorAsync(context, 422, "invalid_output_format", $"output_format '{format}' is not emulated.", aborted);
            return;
        }

        context.Response.ContentType = contentType;
        context.Response.ContentLength = audio.Length;
        await context.Response.Body.WriteAsync(audio, aborted);
    }

    private static Task WriteErrorAsync(HttpContext context, int status, string code, string message, CancellationToken aborted)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(ErrorBody(status, code, message), aborted);
    }

    /// <summary>ElevenLabs' error shape: <c>{"detail": {"status": ..., "message": ...}}</c>.</summary>
    private static object ErrorBody(int status, string code, string message) =>
        new { detail = new { status = status == 429 ? "too_many_concurrent_requests" : code, message } };

    private sealed record TextToSpeechRequest(
        string Text,
        [property: System.Text.Json.Serialization.JsonPropertyName("model_id")] string? ModelId,
        [property: System.Text.Json.Serialization.JsonPropertyName("voice_settings")] JsonElement? VoiceSettings,
        string? VoiceId = null);
}
