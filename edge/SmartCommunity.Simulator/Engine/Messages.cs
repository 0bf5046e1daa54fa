using System.Text;
using MQTTnet.Protocol;

namespace SmartCommunity.Simulator.Engine;

/// <summary>A message the hub sent to a device on its <c>down</c> or <c>cfg</c> topic.</summary>
public sealed record DownlinkMessage(string DeviceId, string Topic, ReadOnlyMemory<byte> Payload, bool Retained)
{
    public string PayloadText => Encoding.UTF8.GetString(Payload.Span);

    public bool IsCommand => Topic.EndsWith("/down", StringComparison.Ordinal);
}

/// <summary>What a device published: the topic, the sequence number and base time it used, the exact bytes.</summary>
public sealed record PublishReceipt(string DeviceId, string Topic, uint Sequence, DateTimeOffset Timestamp, ReadOnlyMemory<byte> Payload, MqttQualityOfServiceLevel Qos);

/// <summary>The broker refused or did not acknowledge a publish.</summary>
public sealed class PublishFailedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A snapshot of the fleet's counters.</summary>
public sealed record FleetCounters(int Devices, int Connected, long Published, long Failed, long ConnectAttempts, long ConnectFailures, long Received);
