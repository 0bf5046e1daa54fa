namespace SmartCommunity.SensorNode.Core;

/// <summary>The MQTT connection as the core needs it (M2Mqtt over TLS on the device, MQTTnet in the simulator).</summary>
public interface IPublisher
{
    bool IsConnected { get; }

    /// <summary>Publishes with QoS 1; returns true only once the broker acknowledged it (PUBACK).</summary>
    bool Publish(string topic, byte[] payload, int length, bool retain);
}
