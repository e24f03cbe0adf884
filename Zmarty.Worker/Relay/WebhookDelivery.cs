using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;
using Polly.Contrib.WaitAndRetry;
using Zmarty.Webhooks;

namespace Zmarty.Worker.Relay;

/// <summary>
/// One attempt to deliver an outbox event: a POST of its payload, signed per Standard Webhooks
/// with the event's id as <c>webhook-id</c> (the same on every retry) and the current time.
/// Only a 2xx counts as delivered.
/// </summary>
internal sealed class WebhookDelivery(HttpClient http, IOptions<RelayOptions> relayOptions, IOptions<WebhookSigningOptions> signingOptions, TimeProvider clock)
{
    private static readonly MediaTypeHeaderValue s_json = new("application/json") { CharSet = "utf-8" };

    private readonly RelayOptions _options = relayOptions.Value;
    private readonly byte[] _key = signingOptions.Value.Key;

    public async Task<DeliveryOutcome> DeliverAsync(OutboxEvent outboxEvent, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(outboxEvent.Payload);
        var id = outboxEvent.EventId.ToString();
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, _options.ReceiverUrl)
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = s_json } },
        };
        request.Headers.Add(StandardWebhooks.IdHeader, id);
        request.Headers.Add(StandardWebhooks.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(StandardWebhooks.SignatureHeader, StandardWebhooks.Sign(_key, id, timestamp, body));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.DeliveryTimeout);
        try
        {
            using var response = await http.SendAsync(request, timeout.Token);
            if (response.IsSuccessStatusCode)
            {
                return new(outboxEvent, Delivered: true);
            }

            var answer = await response.Content.ReadAsStringAsync(timeout.Token);
            return Failed(outboxEvent, $"HTTP {(int)response.StatusCode}: {Truncate(answer)}");
        }
        catch (HttpRequestException ex)
        {
            return Failed(outboxEvent, ex.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed(outboxEvent, $"no answer within {_options.DeliveryTimeout.TotalSeconds:0.#} s");
        }
    }

    private DeliveryOutcome Failed(OutboxEvent outboxEvent, string error) =>
        new(outboxEvent, Delivered: false, error, RetryDelay(outboxEvent.Attempts + 1));

    /// <summary>
    /// Polly's exponential backoff with decorrelated jitter (the algorithm Polly's retry strategy uses
    /// for <c>Exponential</c> with <c>UseJitter</c>), for the <paramref name="failures"/>-th failure in a row,
    /// capped. The attempt count lives in the outbox row, so the schedule survives restarts.
    /// </summary>
    internal TimeSpan RetryDelay(int failures)
    {
        var delay = Backoff.DecorrelatedJitterBackoffV2(_options.FirstRetryDelay, Math.Clamp(failures, 1, 30)).Last();
        return delay < _options.MaxRetryDelay ? delay : _options.MaxRetryDelay;
    }

    private static string Truncate(string text) => text.Length <= 500 ? text : text[..500];
}
