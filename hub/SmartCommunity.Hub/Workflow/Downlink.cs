using System.Text;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using SmartCommunity.Domain.Protocol;

namespace SmartCommunity.Hub.Workflow;

/// <summary>Commands to devices on <c>sc/v1/{id}/down</c>, injected into the embedded broker (QoS 1, so a pendant that
/// reconnects with its persistent session still gets "help is coming").</summary>
public sealed class Downlink(MqttServer server, ILogger<Downlink> logger)
{
    public const string HelpComing = """{"cmd":"help-coming"}""";

    public async Task SendAsync(string deviceId, string json, CancellationToken ct)
    {
        if (!server.IsStarted)
            return;
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(Topic.Down(deviceId))
            .WithPayload(Encoding.UTF8.GetBytes(json))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = "hub" }, ct);
        logger.LogInformation("Downlink {Command} to {DeviceId}", json, deviceId);
    }
}
