using MQTTnet;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Simulator.Node;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// The device side of the hub's MQTT seam in the weeks-long early-warning tests: the firmware core (the simulator's
/// <see cref="SteppedNode"/>) on the test's fake time, so what the hub ingests is the core's own packs — its batches,
/// sequence numbers, bt, record layout and heartbeats — and never a pack the test wrote.
/// </summary>
internal static class FirmwareNodes
{
    /// <summary>A node provisioned with a registered device's identity, booted at <paramref name="start"/>.</summary>
    public static SteppedNode Boot(DeviceCredentials device, DateTimeOffset start, IReadOnlyDictionary<string, int> settings, int seed = 1)
    {
        Assert.True(DeviceKinds.TryParse(device.Device.Kind, out var kind), device.Device.Kind);
        return new SteppedNode(new Simulator.Devices.DeviceCredentials(device.Device.Id, kind, device.Secret), start, settings, seed);
    }

    /// <summary>Runs the node up to <paramref name="until"/> (its readings queue in the core), then lets the core flush its
    /// queue over <paramref name="mqtt"/>: every record must be acknowledged. Returns what was sent.</summary>
    public static async Task<FlushResult> SendUntilAsync(this SteppedNode node, IMqttClient mqtt, DateTimeOffset until)
    {
        node.RunUntil(until);
        var sent = await node.FlushAsync(mqtt, TestContext.Current.CancellationToken);
        Assert.Equal(0, node.Queued);
        return sent;
    }
}
