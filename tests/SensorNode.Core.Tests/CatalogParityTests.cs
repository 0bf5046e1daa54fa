using SmartCommunity.Domain.Catalog;
using SmartCommunity.Firmware.FallEval;
using DomainKind = SmartCommunity.Domain.Devices.DeviceKind;
using DomainValueType = SmartCommunity.Domain.Ingestion.ValueType;

namespace SmartCommunity.SensorNode.Core.Tests;

/// <summary>
/// The firmware keeps its own copy of the sensor catalogue (nanoFramework has no generics to share the Domain's
/// records): these tests hold the copy equal to hub/SmartCommunity.Domain/Catalog/SensorCatalog.cs, row for row, and
/// prove with the real core that a node of each kind sends exactly what the hub lets that kind send.
/// </summary>
public class CatalogParityTests
{
    public static TheoryData<string> CatalogueMeasurements() => new(SensorCatalog.Measurements.Select(m => m.Name));

    public static TheoryData<string> CatalogueKinds() => new(SensorCatalog.DeviceKinds.Select(k => k.Wire));

    [Fact]
    public void Measurements_FirmwareAndCatalogue_SameNames()
    {
        var firmware = Enumerable.Range(0, Measurement.Count).Select(Measurement.Name).Order(StringComparer.Ordinal);
        Assert.Equal(SensorCatalog.Measurements.Select(m => m.Name).Order(StringComparer.Ordinal), firmware);
    }

    [Theory]
    [MemberData(nameof(CatalogueMeasurements))]
    public void Measurement_FirmwareRow_EqualsCatalogueRow(string name)
    {
        var expected = SensorCatalog.Measurement(name)!;
        var id = Measurement.FindByName(name);
        Assert.True(id >= 0, $"the firmware has no measurement '{name}'");
        var row = Measurement.Row(id);
        Assert.Equal(expected.Unit ?? "", row.Unit);
        Assert.Equal(KindOf(expected.Type), row.Kind);
        Assert.Equal(expected.Precision, row.Precision);
        Assert.Equal(expected.Min, row.Min);
        Assert.Equal(expected.Max, row.Max);
        Assert.Equal((int)expected.Urgency, row.Priority);
        Assert.Equal(expected.StatusOnly ? Measurement.ChannelStatus : Measurement.ChannelUp, row.Channel);
    }

    [Fact]
    public void Priorities_SameOrderAsUrgency()
    {
        // The outbox compares priorities numerically; the mapping above relies on the enum's order.
        Assert.Equal([Measurement.PriorityRoutine, Measurement.PriorityEvent, Measurement.PriorityCritical],
            [(int)Urgency.Routine, (int)Urgency.Event, (int)Urgency.Critical]);
    }

    [Fact]
    public void Profiles_FirmwareAndCatalogue_SameKinds()
    {
        var firmware = Enumerable.Range(0, Profile.Count).Select(Profile.Name).Order(StringComparer.Ordinal);
        Assert.Equal(SensorCatalog.DeviceKinds.Select(k => k.Wire).Order(StringComparer.Ordinal), firmware);
    }

    [Theory]
    [MemberData(nameof(CatalogueKinds))]
    public void Profile_ButtonActionsAndHeartbeat_EqualTheKind(string kind)
    {
        var spec = Spec(kind);
        var p = Profile.FindByName(kind);
        Assert.NotEqual(Profile.None, p);
        Assert.Equal(spec.Button.Contains(ButtonAction.Sos), Profile.HasAction(p, Profile.ActionSos));
        Assert.Equal(spec.Button.Contains(ButtonAction.Cancel), Profile.HasAction(p, Profile.ActionCancel));
        Assert.Equal(spec.Button.Contains(ButtonAction.Visit), Profile.HasAction(p, Profile.ActionVisit));
        Assert.Equal(spec.Button.Count, BitCount(Profile.Row(p).Actions));
        Assert.Equal((int)spec.HeartbeatInterval.TotalSeconds, Profile.Row(p).HeartbeatSeconds);
    }

    [Theory]
    [MemberData(nameof(CatalogueKinds))]
    public void Profile_SendsTable_EqualsTheKindsMeasurements(string kind)
    {
        var spec = Spec(kind);
        var p = Profile.FindByName(kind);
        var sends = Enumerable.Range(0, Measurement.Count).Where(m => Profile.Sends(p, m)).Select(Measurement.Name);
        Assert.Equal(spec.Measurements.Order(StringComparer.Ordinal), sends.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Behaviour, not the table: a node of the kind is driven through every input and gesture it could ever see
    /// (every sensor, a fall, the SOS press, the visit gesture, a pre-alarm answered by a hold, the test-alarm
    /// downlink) and what reaches its outbox is exactly what the hub accepts from that kind. `test` comes from
    /// the downlink, every other record from an input of the profile.
    /// </summary>
    [Theory]
    [MemberData(nameof(CatalogueKinds))]
    public void Node_EveryInputAndGesture_QueuesExactlyTheKindsMeasurements(string kind)
    {
        var node = Nodes.Provisioned(kind, id: "node-0001", tweak: c =>
        {
            c.SetNumber(Setting.FallCancelMs, 0);
            c.SetNumber(Setting.GasHoldMs, 0);
            c.SetNumber(Setting.PirHoldoffMs, 0);
        });
        var rig = new Rig(node);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Collect()
        {
            seen.UnionWith(rig.Queued);
            node.Flush(new FakePublisher(), rig.Now);
        }

        rig.Press(200).Up(6000); // SOS after its cancel window
        Collect();
        rig.Press(200).Up(300).Down(5200).Up(500); // the grid worker's visit
        Collect();
        if (rig.Send("{\"cmd\":\"pre-alarm\",\"s\":600}") == ErrorCode.None)
        {
            rig.Up(100).Down(2200).Up(500); // "I am OK"
        }

        Collect();
        var trace = SyntheticTraces.Fall("forward-trip", 1);
        var t0 = rig.Now;
        for (var i = 0; i < trace.Count; i++)
        {
            node.OnAccelerometer(trace.XAt(i), trace.YAt(i), trace.ZAt(i), t0 + trace.TimeAt(i));
            node.Tick(t0 + trace.TimeAt(i));
        }

        var now = t0 + trace.DurationMs + 100;
        node.Tick(now);
        node.OnGas(50, now);
        node.OnGas(5000, now + 10);
        node.OnCo(20, now);
        node.OnCo(200, now + 10);
        node.OnClimate(2150, 452, now);
        node.OnPir(true, now);
        node.OnPir(false, now + 500);
        node.Tick(now + 600_000);
        node.OnDoor(true, now);
        node.OnDoor(true, now + 1000);
        node.OnLeak(true, now);
        node.OnLeak(true, now + 1000);
        var test = Nodes.Ascii("{\"cmd\":\"test-alarm\"}");
        Assert.Equal(ErrorCode.None, node.OnDownlink(test, test.Length, now));
        Collect();

        Assert.Equal(Spec(kind).Measurements.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Node_InputItsProfileLacks_NeverQueuedAndCounted()
    {
        // A miswired adapter must not poison packs: the hub refuses a whole pack with a measurement the kind may not send.
        var node = Nodes.Provisioned("sos");
        node.OnDoor(true, 0);
        node.OnDoor(true, 100);
        node.OnClimate(2150, 452, 100);
        Assert.Equal(0, node.Queue.Count);
        Assert.Equal(3, node.NotForProfile);
    }

    private static DeviceKindSpec Spec(string wire)
    {
        Assert.True(WireName.TryParse<DomainKind>(wire, out var k));
        return SensorCatalog.Kind(k);
    }

    private static int KindOf(DomainValueType type) => type switch
    {
        DomainValueType.Number => Measurement.KindNumber,
        DomainValueType.Bool => Measurement.KindBool,
        _ => Measurement.KindString,
    };

    private static int BitCount(int v) => System.Numerics.BitOperations.PopCount((uint)v);
}
