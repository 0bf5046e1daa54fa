using System.Buffers;
using Microsoft.Extensions.Options;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Telemetry;

namespace SmartCommunity.Hub.Ingestion;

public enum IngestStatus
{
    /// <summary>Alerts persisted and (when asked) readings durable.</summary>
    Accepted,

    /// <summary>Already accepted once (sequence number seen): harmless to acknowledge.</summary>
    Duplicate,

    /// <summary>Refused for good (recorded in the rejection log); acknowledging it loses nothing worth keeping.</summary>
    Refused,
}

/// <summary>What ingestion decided about one message; the transport turns it into a PUBACK or an acknowledgement.</summary>
/// <param name="RouteOnward">Status messages are retained for subscribers; readings have no one to route to.</param>
/// <param name="Disconnect">The sender should be dropped (a device that is no longer registered).</param>
public readonly record struct IngestResult(IngestStatus Status, RejectReason Reason = RejectReason.None, bool RouteOnward = false, bool Disconnect = false)
{
    public static readonly IngestResult Duplicate = new(IngestStatus.Duplicate, RejectReason.Duplicate);

    public static IngestResult Refused(RejectReason reason, bool disconnect = false) => new(IngestStatus.Refused, reason, Disconnect: disconnect);
}

/// <summary>
/// A message handled up to its readings' durability: <see cref="Result"/> is final once <see cref="Durable"/> completes
/// (alerts are already persisted); <see cref="Durable"/> faults when the readings could not be stored.
/// </summary>
public readonly record struct PendingIngest(IngestResult Result, Task Durable)
{
    // A refusal or a duplicate has nothing left to wait for.
    public static implicit operator PendingIngest(IngestResult result) => new(result, Task.CompletedTask);
}

/// <summary>
/// The hot path, independent of the transport: parse the topic, check the ACL, decode and validate,
/// drop duplicates, raise alerts at once, hand readings to the batched store. The embedded broker's
/// publish interceptor (<see cref="EmbeddedIngestion"/>) and the external broker's consumer
/// (<see cref="ExternalBrokerConsumer"/>) both call <see cref="IngestAsync"/> and acknowledge the
/// message only after it returned, so an acknowledged message has durable readings and persisted alerts.
/// Exceptions (a bug, a database outage) propagate: the transport decides between refusing and redelivery.
/// </summary>
public sealed class IngestionPipeline(
    DeviceDirectory devices, RejectionLog rejections, AlertService alerts, TelemetryWriter telemetry, HubMetrics metrics,
    IEnumerable<IReadingObserver> observers, TimeProvider time, IOptions<HubOptions> options, ILogger<IngestionPipeline> logger)
{
    private readonly IReadingObserver[] _observers = [.. observers];
    private readonly DecoderLimits _limits = DecoderLimits.Default with { MaxPayloadBytes = options.Value.MaxPayloadBytes };

    /// <param name="deviceId">The authenticated sender: the session's device (embedded) or the topic's device, which the external broker's ACL pins to the sender.</param>
    /// <param name="atMostOnce">QoS 0: nothing waits for an acknowledgement, so readings need not be durable first and an over-budget message is refused rather than delayed.</param>
    /// <param name="droppedByHub">The hub is stopping and took the sender's connection down with it (the embedded broker ends every
    /// connection, and each device's will then says offline): the device is marked offline without an alert, since it did not fail.</param>
    /// <param name="forwarded">Sent by a community gateway on the device's behalf: over the budget it is refused at once with
    /// <c>rate_limited</c> (PUBACK 0x97, which the gateway retries after a pause) rather than delayed, because a delay here
    /// would hold up the gateway's one connection, and with it every other device's messages and live alarms. That pacing is
    /// counted as the device's throttling, not recorded as a rejection (nothing is lost), and never cuts the connection off.</param>
    public async Task<IngestResult> IngestAsync(string deviceId, string topic, ReadOnlySequence<byte> payload, bool atMostOnce, CancellationToken ct, bool droppedByHub = false,
        bool forwarded = false)
    {
        var pending = await BeginIngestAsync(deviceId, topic, payload, atMostOnce, ct, droppedByHub, forwarded);
        await pending.Durable.WaitAsync(ct);
        return pending.Result;
    }

    /// <summary>
    /// Like <see cref="IngestAsync"/>, but returns as soon as the readings are queued: the caller acknowledges the message
    /// when <see cref="PendingIngest.Durable"/> completes and meanwhile handles the sender's next message. Alerts, the
    /// sequence window and device state are settled before it returns, so messages begun in order are handled in order.
    /// </summary>
    public async Task<PendingIngest> BeginIngestAsync(string deviceId, string topic, ReadOnlySequence<byte> payload, bool atMostOnce, CancellationToken ct, bool droppedByHub = false,
        bool forwarded = false)
    {
        // 1. Topic and ACL: a device publishes under its own prefix only, readings on up and its health on status.
        if (!Topic.TryParse(topic, out var topicDevice, out var channel))
            return Refuse(deviceId, topic, RejectReason.BadTopic, $"topic \"{Clip(topic)}\" is not sc/v1/{{id}}/up|status");
        if (topicDevice != deviceId || channel is TopicChannel.Down or TopicChannel.Cfg)
            return Refuse(deviceId, topic, RejectReason.AclDenied, $"device {deviceId} may not publish to \"{Clip(topic)}\"");

        // 2. The device: still registered, and within its message budget. A miss falls back to the database: in a cluster
        //    the device may have been registered through another instance.
        var entry = await devices.FindOrLoadAsync(deviceId, ct);
        if (entry is null || entry.Revoked)
            return Refuse(deviceId, topic, RejectReason.UnknownDevice, "device is no longer registered", disconnect: true);
        if (await OverBudgetAsync(entry, topic, atMostOnce, forwarded, ct) is { } overBudget)
            return overBudget;

        // 3. Decode and validate the SenML pack against the device's kind.
        if (payload.Length > _limits.MaxPayloadBytes)
            return Refuse(deviceId, topic, RejectReason.TooLarge, $"payload is {payload.Length} bytes, the limit is {_limits.MaxPayloadBytes}");
        var now = time.GetUtcNow();
        var decoded = payload.IsSingleSegment
            ? SenmlDecoder.Decode(payload.FirstSpan, deviceId, entry.Kind, channel, now, _limits)
            : SenmlDecoder.Decode(payload.ToArray(), deviceId, entry.Kind, channel, now, _limits);
        if (decoded.Pack is not { } pack)
            return Refuse(deviceId, topic, decoded.Reason, decoded.Detail);

        // 4. Once only: a sequence number accepted before is a QoS 1 redelivery or a replay, acknowledged and dropped;
        //    anything else means the device was heard (its liveness, and whether it came back).
        if (!AcceptOnce(entry, pack, channel, now, out var cameBack))
        {
            rejections.Record(deviceId, RejectReason.Duplicate, $"sequence {pack.Seq} was already accepted", topic);
            return IngestResult.Duplicate;
        }
        metrics.Accepted(pack.Records.Count);

        // 5. Alerts first — a page to staff must not wait behind readings being batched — then the live analyses.
        await RaiseAlertsAsync(entry, pack, cameBack, droppedByHub, ct);
        await ObserveAsync(entry, pack, ct);

        // 6. Readings into the batched store; at QoS 1 the acknowledgement waits until they are durable.
        var durable = await StoreReadingsAsync(entry, pack, atMostOnce, ct);
        return new PendingIngest(new IngestResult(IngestStatus.Accepted, RouteOnward: channel == TopicChannel.Status), durable);
    }

    private async Task<IngestResult?> OverBudgetAsync(DeviceEntry entry, string topic, bool atMostOnce, bool forwarded, CancellationToken ct)
    {
        if (await WithinBudgetAsync(entry, atMostOnce || forwarded, ct))
            return null;
        // Pacing, not a refusal: the gateway keeps the message and sends it again after a pause, as a device connected
        // here at QoS 1 waits for its PUBACK. Counted like that wait (the device's throttled count, sc.messages.gateway_paced),
        // not as a rejection, which would read as lost data on the technician's page after every replay.
        if (forwarded)
        {
            metrics.GatewayPaced();
            return IngestResult.Refused(RejectReason.RateLimited);
        }
        if (FloodCutOff(entry))
            return Refuse(entry.Id, topic, RejectReason.RateLimited,
                $"flooding: {options.Value.DeviceFloodDisconnectAfter} messages over the budget of {entry.Budget.RatePerSecond}/s in a row; disconnected, reconnects refused for {options.Value.DeviceFloodCooldown}", disconnect: true);
        return Refuse(entry.Id, topic, RejectReason.RateLimited, $"over the budget of {entry.Budget.RatePerSecond}/s");
    }

    /// <summary>Accepts the pack's sequence number (false: seen before) and marks the device heard; a status pack carries its health.</summary>
    private static bool AcceptOnce(DeviceEntry entry, DecodedPack pack, TopicChannel channel, DateTimeOffset now, out bool cameBack)
    {
        lock (entry.Sync)
        {
            cameBack = false;
            if (pack.Seq is { } seq && !entry.Window.TryAccept(seq))
                return false;
            cameBack = entry.Liveness.Heard(now, channel == TopicChannel.Status ? pack : null);
            entry.Dirty = true;
            return true;
        }
    }

    private async Task RaiseAlertsAsync(DeviceEntry entry, DecodedPack pack, bool cameBack, bool droppedByHub, CancellationToken ct)
    {
        try
        {
            foreach (var signal in SafetyRules.Evaluate(entry.Rules, pack))
            {
                if (droppedByHub && signal.Kind == Domain.Alerts.AlertKind.DeviceOffline)
                    continue; // a device still away after the restart is reported by supervision
                await alerts.RaiseAsync(signal, entry.Place, ct);
            }
        }
        catch when (pack.Seq is { } failed)
        {
            // Not stored (e.g. the database is restarting): the message is refused, and its retry must not be
            // dropped as a duplicate, or an alert the device was told to resend would be lost.
            Forget(entry, failed);
            throw;
        }
        if (cameBack)
            await alerts.ResolveRecoveredAsync(entry.Id, ct);
    }

    private async Task ObserveAsync(DeviceEntry entry, DecodedPack pack, CancellationToken ct)
    {
        foreach (var observer in _observers)
        {
            try
            {
                await observer.OnAcceptedAsync(entry, pack, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // An analysis fault must never cost the reading itself.
                logger.LogError(ex, "Reading observer {Observer} failed on a pack from {DeviceId}", observer.GetType().Name, entry.Id);
            }
        }
    }

    /// <summary>Queues the pack's numeric and boolean readings; the task completes when they are durable (at once at QoS 0).</summary>
    private async Task<Task> StoreReadingsAsync(DeviceEntry entry, DecodedPack pack, bool atMostOnce, CancellationToken ct)
    {
        var points = new List<TelemetryPoint>(pack.Records.Count);
        foreach (var r in pack.Records)
        {
            if (r.Measurement.Type != Domain.Ingestion.ValueType.String)
                points.Add(new TelemetryPoint(new SeriesKey(entry.Id, r.Name), r.Time, r.Value));
        }
        if (points.Count == 0)
            return Task.CompletedTask;
        if (atMostOnce)
        {
            await telemetry.EnqueueAsync(points, waitUntilDurable: false, ct);
            return Task.CompletedTask;
        }
        return ForgetUnlessStoredAsync(await telemetry.EnqueueDeferredAsync(points, ct), entry, pack.Seq);
    }

    /// <summary>Readings that could not be stored leave the message unacknowledged: its redelivery must be accepted, not dropped as a duplicate.</summary>
    private static async Task ForgetUnlessStoredAsync(Task durable, DeviceEntry entry, uint? seq)
    {
        try
        {
            await durable;
        }
        catch when (seq is { } failed)
        {
            Forget(entry, failed);
            throw;
        }
    }

    private static void Forget(DeviceEntry entry, uint seq)
    {
        lock (entry.Sync)
            entry.Window.Forget(seq);
    }

    /// <summary>
    /// Per-device budget. At QoS 1 an over-budget device is slowed down, not dropped: its acknowledgement waits
    /// for budget, and since MQTT handles one client's messages in order, the flood backs up on that device
    /// alone. QoS 0 has no acknowledgement to hold, so excess QoS 0 messages are refused and counted.
    /// </summary>
    private async ValueTask<bool> WithinBudgetAsync(DeviceEntry entry, bool atMostOnce, CancellationToken ct)
    {
        while (true)
        {
            TimeSpan wait;
            lock (entry.Sync)
            {
                if (entry.Budget.TryTake(time.GetUtcNow()))
                    return true;
                entry.Throttled++;
                wait = entry.Budget.TimeUntilAvailable;
                if (entry.Budget.RefusedInARow == 1)
                    WarnOverBudget(entry);
            }
            if (atMostOnce)
                return false;
            await Task.Delay(wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait, time, ct);
        }
    }

    /// <summary>
    /// A device held at its budget at QoS 1 goes over it with every message, so a warning each time would be one log line
    /// per message: one per device per interval instead, with the number left out (every one is counted in Throttled).
    /// </summary>
    private void WarnOverBudget(DeviceEntry entry)
    {
        var now = time.GetUtcNow();
        if (entry.BudgetWarnedAt is { } last && now - last < BudgetWarningInterval)
        {
            entry.BudgetWarningsSuppressed++;
            return;
        }
        logger.LogWarning("Device {DeviceId} exceeds its message budget ({Rate}/s); throttling it ({Suppressed} times more since the last warning, {Throttled} messages throttled in all)",
            entry.Id, entry.Budget.RatePerSecond, entry.BudgetWarningsSuppressed, entry.Throttled);
        entry.BudgetWarnedAt = now;
        entry.BudgetWarningsSuppressed = 0;
    }

    public static readonly TimeSpan BudgetWarningInterval = TimeSpan.FromSeconds(10);

    /// <summary>
    /// QoS 0 floods cannot be slowed (there is no acknowledgement to hold), and refusing each message still costs CPU
    /// the other devices need: a device that stays far over its budget is cut off for a cool-down.
    /// </summary>
    private bool FloodCutOff(DeviceEntry entry)
    {
        lock (entry.Sync)
        {
            if (entry.Budget.RefusedInARow < options.Value.DeviceFloodDisconnectAfter)
                return false;
            if (entry.FloodCooldownUntil is null || entry.FloodCooldownUntil <= time.GetUtcNow())
                logger.LogWarning("Device {DeviceId} floods ({Refused} messages over budget in a row); disconnecting it for {Cooldown}",
                    entry.Id, entry.Budget.RefusedInARow, options.Value.DeviceFloodCooldown);
            entry.FloodCooldownUntil = time.GetUtcNow() + options.Value.DeviceFloodCooldown;
            return true;
        }
    }

    /// <summary>A device that disconnected cleanly sends no will: mark it offline without raising an alert.</summary>
    public void MarkDisconnected(string deviceId)
    {
        if (devices.Find(deviceId) is not { } entry)
            return;
        lock (entry.Sync)
        {
            entry.Liveness.Disconnected();
            entry.Dirty = true;
        }
    }

    private IngestResult Refuse(string deviceId, string topic, RejectReason reason, string detail, bool disconnect = false)
    {
        rejections.Record(deviceId, reason, detail, topic);
        return IngestResult.Refused(reason, disconnect);
    }

    private static string Clip(string? s) => LogText.Printable(s, 100);
}
