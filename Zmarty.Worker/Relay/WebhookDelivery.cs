using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;
using Polly.Contrib.WaitAndRetry;
using Zmarty.Webhooks;

namespace Zmarty.Worker.Relay;

/// <summary>
/// One attempt to deliver outbox events: a POST signed per Standard Webhooks with the current time. One event goes
/// as its payload, with its id as <c>webhook-id</c> (the same on every retry); several go as one
/// <c>{"type": "BATCH", "events": [payload, …]}</c> under a new id, which the receiver applies all or none. Only
/// a 2xx counts as delivered, for every event of the attempt.
/// </summary>
internal sealed class WebhookDelivery(HttpClient http, IOptions<RelayOptions> relayOptions, IOptions<WebhookSigningOptions> signingOptions, TimeProvider clock)
{
    private static readonly MediaTypeHeaderValue s_json = new("application/json") { CharSet = "utf-8" };
    private static readonly byte[] s_batchStart = """{"type":"BATCH","events":["""u8.ToArray();

    private readonly RelayOptions _options = relayOptions.Value;
    private readonly byte[] _key = signingOptions.Value.Key;

    /// <summary>
    /// The events of a claim in deliveries of at most <see cref="RelayOptions.EventsPerDelivery"/> events and
    /// <see cref="RelayOptions.MaxDeliveryBytes"/> of payload (an event larger than that goes alone).
    /// </summary>
    public IEnumerable<List<OutboxEvent>> Split(IReadOnlyList<OutboxEvent> events)
    {
        var delivery = new List<OutboxEvent>();
        var bytes = 0;
        foreach (var outboxEvent in events)
        {
            var size = Encoding.UTF8.GetByteCount(outboxEvent.Payload) + 1;
            if (delivery.Count > 0 && (delivery.Count == _options.EventsPerDelivery || bytes + size > _options.MaxDeliveryBytes))
            {
                yield return delivery;
                (delivery, bytes) = ([], 0);
            }

            delivery.Add(outboxEvent);
            bytes += size;
        }

        if (delivery.Count > 0)
        {
            yield return delivery;
        }
    }

    public async Task<IReadOnlyList<DeliveryOutcome>> DeliverAsync(IReadOnlyList<OutboxEvent> events, CancellationToken cancellationToken)
    {
        var (id, body) = events is [var single]
            ? (single.EventId.ToString(), Encoding.UTF8.GetBytes(single.Payload))
            : (Guid.CreateVersion7().ToString(), BatchBody(events));
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
                return [.. events.Select(e => new DeliveryOutcome(e, Delivered: true))];
            }

            var answer = await response.Content.ReadAsStringAsync(timeout.Token);
            return Failed(events, $"HTTP {(int)response.StatusCode}: {Truncate(answer)}");
        }
        catch (HttpRequestException ex)
        {
            return Failed(events, ex.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed(events, $"no answer within {_options.DeliveryTimeout.TotalSeconds:0.#} s");
        }
    }

    /// <summary>The payloads are A's JSON as stored, so the batch is their text joined, not re-serialized.</summary>
    private static byte[] BatchBody(IReadOnlyList<OutboxEvent> events)
    {
        using var body = new MemoryStream();
        body.Write(s_batchStart);
        for (var i = 0; i < events.Count; i++)
        {
            if (i > 0)
            {
                body.WriteByte((byte)',');
            }

            body.Write(Encoding.UTF8.GetBytes(events[i].Payload));
        }

        body.Write("]}"u8);
        return body.ToArray();
    }

    private List<DeliveryOutcome> Failed(IReadOnlyList<OutboxEvent> events, string error) =>
        [.. events.Select(e => Failed(e, error))];

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
