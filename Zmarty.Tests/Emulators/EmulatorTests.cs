using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Net.Http.Json;
using OpenAI;
using OpenAI.Chat;
using Zmarty.Tests.Chat;

namespace Zmarty.Tests.Emulators;

/// <summary>The emulated providers, spoken to with the real OpenAI SDK and plain HTTP.</summary>
[Collection(ChatSystemCollection.Name)]
public sealed class EmulatorTests(ChatSystemFixture system) : ChatSystemTest
{
    protected override ChatSystemFixture Running => system;

    /// <summary>A model each vendor serves that does not reason, so its output is the reply alone.</summary>
    private static string PlainModel(string vendor) => vendor switch
    {
        "xai" => "grok-4.20-non-reasoning",
        "openai" => "gpt-4o-mini",
        _ => "claude-haiku-4-5",
    };

    private ChatClient Client(string vendor, string? model = null, string key = "emulator") => new(
        model ?? PlainModel(vendor),
        new ApiKeyCredential(key),
        new OpenAIClientOptions
        {
            Endpoint = new Uri(system.EmulatorsUrl, $"/{vendor}/v1"),
            // The fault tests want to see each failure, not the SDK's retries of it.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });

    private static ChatMessage[] Conversation(string question) =>
        [new SystemChatMessage("You are a test."), new UserChatMessage(question)];

    [Theory]
    [InlineData("xai")]
    [InlineData("openai")]
    [InlineData("anthropic")]
    public async Task Each_vendor_answers_the_same_question_the_same_way_with_its_usage(string vendor)
    {
        var client = Client(vendor);

        ChatCompletion first = await client.CompleteChatAsync(Conversation("How does BTC look?"));
        ChatCompletion second = await client.CompleteChatAsync(Conversation("How does BTC look?"));
        ChatCompletion other = await client.CompleteChatAsync(Conversation("And ETH?"));

        Assert.Equal(first.Content[0].Text, second.Content[0].Text);
        Assert.NotEqual(first.Content[0].Text, other.Content[0].Text);
        Assert.Contains("How does BTC look?", first.Content[0].Text, StringComparison.Ordinal);
        Assert.Equal(ChatFinishReason.Stop, first.FinishReason);
        Assert.True(first.Usage.InputTokenCount > 0);
        Assert.Equal(48, first.Usage.OutputTokenCount);
        Assert.Equal(first.Usage.InputTokenCount + first.Usage.OutputTokenCount, first.Usage.TotalTokenCount);
        Assert.Equal(3, await system.ProviderCallsAsync(vendor));
    }

    [Theory]
    [InlineData("anthropic", "claude-3-5-haiku-latest")]
    [InlineData("openai", "gpt-3.5-turbo-0301")]
    [InlineData("xai", "grok-3")]
    public async Task A_retired_or_unknown_model_is_refused_with_404_model_not_found_as_the_vendor_does(string vendor, string model)
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() => Client(vendor, model).CompleteChatAsync(Conversation("Hi")));

        Assert.Equal(404, error.Status);
        Assert.Contains("model_not_found", error.GetRawResponse()!.Content.ToString(), StringComparison.Ordinal);
        using var http = system.CreateEmulatorsClient();
        using var probe = new HttpRequestMessage(HttpMethod.Get, $"/{vendor}/v1/models/{model}");
        probe.Headers.Authorization = new("Bearer", "emulator");
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(probe)).StatusCode);
    }

    [Fact]
    public async Task A_key_the_vendor_did_not_issue_is_refused_with_401()
    {
        var revoked = Client("openai", key: "sk-revoked");

        var error = await Assert.ThrowsAsync<ClientResultException>(() => revoked.CompleteChatAsync(Conversation("Hi")));

        Assert.Equal(401, error.Status);
    }

    [Fact]
    public async Task Reasoning_tokens_are_reported_beside_the_completion_by_xai_and_inside_it_by_openai()
    {
        ChatCompletion grok = await Client("xai", "grok-3-mini").CompleteChatAsync(Conversation("How does BTC look?"));
        ChatCompletion gpt = await Client("openai", "gpt-6-luna").CompleteChatAsync(Conversation("How does BTC look?"));

        var grokReasoning = grok.Usage.OutputTokenDetails.ReasoningTokenCount;
        Assert.True(grokReasoning > 0);
        Assert.Equal(48, grok.Usage.OutputTokenCount);
        Assert.Equal(grok.Usage.InputTokenCount + 48 + grokReasoning, grok.Usage.TotalTokenCount);
        var gptReasoning = gpt.Usage.OutputTokenDetails.ReasoningTokenCount;
        Assert.True(gptReasoning > 0);
        Assert.Equal(48 + gptReasoning, gpt.Usage.OutputTokenCount);
        Assert.Equal(gpt.Usage.InputTokenCount + gpt.Usage.OutputTokenCount, gpt.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task A_stream_carries_the_same_text_and_ends_with_the_usage_the_sdk_asks_for()
    {
        var client = Client("xai");
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 20 };
        ChatCompletion whole = await client.CompleteChatAsync(Conversation("Stream me"), options);

        var pieces = new List<string>();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        await foreach (var update in client.CompleteChatStreamingAsync(Conversation("Stream me"), options))
        {
            pieces.AddRange(update.ContentUpdate.Select(part => part.Text));
            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.Equal(whole.Content[0].Text, string.Concat(pieces));
        Assert.NotNull(usage);
        Assert.Equal(whole.Usage.InputTokenCount, usage.InputTokenCount);
        Assert.Equal(20, usage.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Length, finish);
        var sent = await system.ProviderRequestsAsync("xai");
        Assert.True(sent[1].GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
    }

    [Theory]
    [InlineData("fail", 500)]
    [InlineData("fail", 503)]
    [InlineData("rate_limit", 429)]
    public async Task A_provider_told_to_fail_answers_with_the_status_until_its_times_are_used(string mode, int status)
    {
        await system.SetFaultAsync("openai", new { mode, status, times = 2 });
        var client = Client("openai");

        for (var i = 0; i < 2; i++)
        {
            var error = await Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync(Conversation("Hi")));
            Assert.Equal(status, error.Status);
        }

        ChatCompletion recovered = await client.CompleteChatAsync(Conversation("Hi"));
        Assert.NotEmpty(recovered.Content[0].Text);
    }

    [Fact]
    public async Task A_broken_stream_delivers_some_pieces_then_fails()
    {
        await system.SetFaultAsync("anthropic", new { mode = "break_stream", break_after = 5 });
        var pieces = 0;

        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await foreach (var update in Client("anthropic").CompleteChatStreamingAsync(Conversation("Break")))
            {
                pieces += update.ContentUpdate.Count(part => part.Text.Length > 0);
            }
        });

        Assert.Equal(5, pieces);
    }

    [Fact]
    public async Task A_stalled_provider_never_answers_until_the_caller_gives_up()
    {
        await system.SetFaultAsync("xai", new { mode = "stall" });
        using var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Client("xai").CompleteChatAsync(Conversation("Anyone?"), cancellationToken: giveUp.Token));
    }

    [Fact]
    public async Task Text_to_speech_returns_playable_mp3_frames_for_the_text()
    {
        using var client = system.CreateEmulatorsClient();

        using var response = await client.SendAsync(SpeechRequest("BTC looks strong above support."));
        var audio = await response.Content.ReadAsByteArrayAsync();
        using var again = await client.SendAsync(SpeechRequest("BTC looks strong above support."));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("audio/mpeg", response.Content.Headers.ContentType?.MediaType);
        // 31 characters at 15 a second is 2.07 s: 79.1, so 80 frames of 1,152 samples at 44.1 kHz.
        Assert.Equal(80, Mp3.FrameCount(audio));
        Assert.Equal(audio, await again.Content.ReadAsByteArrayAsync());

        using var unauthorised = await client.PostAsJsonAsync("/elevenlabs/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM", new { text = "hi" });
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorised.StatusCode);
        using var wrongVoice = SpeechRequest("hi", voice: "no-such-voice");
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(wrongVoice)).StatusCode);
    }

    [Fact]
    public async Task The_emulators_answer_loopback_host_names_only_and_keep_no_state_for_unknown_names()
    {
        using var client = system.CreateEmulatorsClient();

        // What a page on another site reaches after DNS rebinding: our port, its host name.
        using var rebound = new HttpRequestMessage(HttpMethod.Get, "/control/xai/requests");
        rebound.Headers.Host = "attacker.example";
        using var refused = await client.SendAsync(rebound);
        using var byName = new HttpRequestMessage(HttpMethod.Get, "/control/xai");
        byName.Headers.Host = $"localhost:{system.EmulatorsUrl.Port}";
        using var allowed = await client.SendAsync(byName);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/control/no-such-{Guid.NewGuid():N}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound,
            (await client.PutAsJsonAsync($"/control/no-such-{Guid.NewGuid():N}", new { mode = "fail" })).StatusCode);
    }

    private static HttpRequestMessage SpeechRequest(string text, string voice = "21m00Tcm4TlvDq8ikWAM")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/elevenlabs/v1/text-to-speech/{voice}")
        {
            Content = JsonContent.Create(new { text, model_id = "eleven_multilingual_v2" }),
        };
        request.Headers.Add("xi-api-key", "emulator");
        return request;
    }
}
