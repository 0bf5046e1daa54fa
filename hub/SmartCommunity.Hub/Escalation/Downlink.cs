using System.Globalization;
using System.Text;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.Hub.Broker;

namespace SmartCommunity.Hub.Escalation;

/// <summary>Commands to devices on <c>sc/v1/{id}/down</c> at QoS 1 through whichever broker the devices use (embedded:
/// injected; external: published by the hub's client), so a pendant that reconnects with its persistent session
/// still gets "help is coming".</summary>
public sealed class Downlink(IDeviceBroker broker, ILogger<Downlink> logger)
{
    public const string HelpComing = """{"cmd":"help-coming"}""";
    public const string TestAlarm = """{"cmd":"test-alarm"}""";
    public const string PreAlarmEnd = """{"cmd":"pre-alarm-end"}""";

    /// <summary>The longest pre-alarm the firmware accepts (docs/protocol.md: <c>s</c> is 1…86400).</summary>
    public const int MaxPreAlarmSeconds = 86_400;

    /// <summary>"Are you OK?" for <paramref name="seconds"/> (clamped to 1…86400): staff are paged then unless it is called off.</summary>
    public static string PreAlarm(int seconds) =>
        $$"""{"cmd":"pre-alarm","s":{{Math.Clamp(seconds, 1, MaxPreAlarmSeconds).ToString(CultureInfo.InvariantCulture)}}}""";

    public async Task SendAsync(string deviceId, string json, CancellationToken ct)
    {
        await broker.PublishAsync(Topic.Down(deviceId), Encoding.UTF8.GetBytes(json), ct);
        logger.LogInformation("Downlink {Command} to {DeviceId}", json, deviceId);
    }
}
