using System.Text.Json;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Hosting;

namespace SmartCommunity.Hub.Gateways;

/// <summary>
/// Local alerts a gateway raised while the hub was unreachable (<c>sc/gw/v1/{id}/alert</c>, docs/gateway.md), published
/// before it replays its queue. Each becomes the hub's alert of that device and kind — raised at the local time, with
/// the duty room's acknowledgement carried over before any follow-up runs, so an alert handled locally pages nobody —
/// and the forwarded pack that replays afterwards folds into it: one alert, not two, and one occurrence (same device and
/// sequence number, <see cref="Alert.SeenSeqs"/>).
/// </summary>
public sealed class GatewayAlertMerge(DeviceDirectory devices, AlertService alerts, ILogger<GatewayAlertMerge> logger)
{
    /// <summary>Null when accepted, else the reason and why (the message is refused and counted).</summary>
    public async Task<(RejectReason Reason, string Detail)?> AcceptAsync(GatewaySession session, byte[] payload, CancellationToken ct)
    {
        LocalAlert local;
        try
        {
            local = Parse(payload) is { } parsed ? parsed : throw new FormatException("not a local alert (v 1 with deviceId, kind and raisedAt)");
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            return (RejectReason.Schema, $"local alert from gateway {session.GatewayId}: {ex.Message}");
        }
        if (!WireName.TryParse(local.Kind, out AlertKind kind) || kind.Spec().Source is not (AlertSource.Device or AlertSource.Threshold))
            return (RejectReason.Schema, $"local alert from gateway {session.GatewayId}: \"{LogText.Printable(local.Kind, 32)}\" is not a device alert kind");
        var entry = DeviceIdentifier.IsValid(local.DeviceId) ? await devices.FindOrLoadAsync(local.DeviceId, ct) : null;
        if (entry is null || entry.Revoked || entry.Place.CommunityId != session.CommunityId)
            return (RejectReason.GatewayScope, $"local alert from gateway {session.GatewayId} (community {session.CommunityId}) for \"{LogText.Printable(local.DeviceId, 32)}\", not a device of its community");

        // Local and with the pack's sequence number: the replayed pack is the same press and folds in without counting again.
        var signal = AlertSignal.Of(entry.Id, kind, kind.Spec().Severity, LocalizedText.Of(kind.Spec().LabelKey), local.RaisedAt) with { Seq = local.Seq, Local = true };
        var alert = await alerts.RaiseAsync(signal, entry.Place, ct, a => a.CarryOverLocal(session.GatewayId, local.RaisedAt, local.AckBy, local.AckAt));
        logger.LogInformation("Gateway {GatewayId}: local alert {LocalId} ({Kind} from {DeviceId}, raised {RaisedAt:O}, acknowledged {AckAt:O}) is alert {AlertId}",
            session.GatewayId, LogText.Printable(local.LocalId, 40), kind.ToWire(), entry.Id, local.RaisedAt, local.AckAt, alert.Id);
        return null;
    }

    private sealed record LocalAlert(string LocalId, string DeviceId, string Kind, uint? Seq, DateTimeOffset RaisedAt, DateTimeOffset? AckAt, string? AckBy);

    private static LocalAlert? Parse(byte[] payload)
    {
        using var doc = JsonDocument.Parse(payload);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("v", out var v) || v.ValueKind != JsonValueKind.Number || v.GetInt32() != 1)
            return null;
        var deviceId = Text(root, "deviceId");
        var kind = Text(root, "kind");
        var raisedAt = Time(root, "raisedAt");
        if (deviceId is null || kind is null || raisedAt is null)
            return null;
        var ackBy = Text(root, "ackBy");
        uint? seq = root.TryGetProperty("seq", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetUInt32(out var n) ? n : null;
        return new LocalAlert(Text(root, "localId") ?? "", deviceId, kind, seq, raisedAt.Value, Time(root, "ackAt"),
            ackBy is null ? null : LogText.Printable(ackBy, 100));
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;

    private static DateTimeOffset? Time(JsonElement root, string name) =>
        root.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String && e.TryGetDateTimeOffset(out var at) ? at : null;
}
