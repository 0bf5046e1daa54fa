using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Simulator.Devices;
using SmartCommunity.Simulator.Scenarios;

namespace SmartCommunity.Simulator.Tests.Cli;

public sealed class ParsingTests
{
    [Fact]
    public void ScenarioRequest_WithDelay_ParsesAllParts()
    {
        var request = ScenarioRequest.Parse("sos:sos-0001@30s");

        Assert.Equal(new ScenarioRequest(Scenario.Sos, "sos-0001", TimeSpan.FromSeconds(30)), request);
    }

    [Fact]
    public void ScenarioRequest_HeatingFailureWithoutDelay_FiresImmediately()
    {
        var request = ScenarioRequest.Parse("heating-failure:clim-0001");

        Assert.Equal(new ScenarioRequest(Scenario.HeatingFailure, "clim-0001", TimeSpan.Zero), request);
    }

    [Fact]
    public void ScenarioRequest_InteractiveLine_Parses()
    {
        Assert.Equal(new ScenarioRequest(Scenario.Offline, "pir-0003", TimeSpan.Zero), ScenarioRequest.ParseLine("  offline   pir-0003 "));
    }

    [Theory]
    [InlineData("explode:sos-0001")]
    [InlineData("sos")]
    [InlineData("sos:NOT_AN_ID")]
    [InlineData("sos:sos-0001@soon")]
    [InlineData("sos:sos-0001@-5s")]
    public void ScenarioRequest_Invalid_ThrowsFormatException(string text)
    {
        Assert.Throws<FormatException>(() => ScenarioRequest.Parse(text));
    }

    [Theory]
    [InlineData("500ms", 0.5)]
    [InlineData("30s", 30)]
    [InlineData("5m", 300)]
    [InlineData("2h", 7200)]
    [InlineData("1d", 86400)]
    [InlineData("45", 45)]
    [InlineData("00:01:30", 90)]
    public void Durations_Text_ParsesToSeconds(string text, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), Durations.Parse(text));
    }

    [Theory]
    [InlineData("gw-east.local", "gw-east.local", 1883)]
    [InlineData("192.168.1.20:1884", "192.168.1.20", 1884)]
    [InlineData("[fd00::20]:1884", "fd00::20", 1884)]
    [InlineData("[fd00::20]", "fd00::20", 1883)]
    public void Gateway_HostAndOptionalPort_Parses(string text, string host, int port)
    {
        Assert.Equal((host, port), global::SmartCommunity.Simulator.Cli.SimulatorCommand.ParseGateway(text));
    }

    [Theory]
    [InlineData(":1883")]
    [InlineData("gw:port")]
    [InlineData("gw:70000")]
    [InlineData("fd00::20")]
    [InlineData("[fd00::20")]
    public void Gateway_Invalid_ThrowsFormatException(string text)
    {
        Assert.Throws<FormatException>(() => global::SmartCommunity.Simulator.Cli.SimulatorCommand.ParseGateway(text));
    }

    [Fact]
    public void DeviceCredentials_SecretWithColons_KeepsWholeSecret()
    {
        var device = DeviceCredentials.Parse("clim-0001:climate:a:b:c");

        Assert.Equal(new DeviceCredentials("clim-0001", DeviceKind.Climate, "a:b:c"), device);
        Assert.DoesNotContain("a:b:c", device.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sos-0001:sos")]
    [InlineData("sos-0001:toaster:secret")]
    [InlineData("X:sos:secret")]
    public void DeviceCredentials_Invalid_ThrowsFormatException(string text)
    {
        Assert.Throws<FormatException>(() => DeviceCredentials.Parse(text));
    }

    [Fact]
    public void FleetFile_HubDemoFormat_Parses()
    {
        const string json = """
            {"mqtt":{"host":"127.0.0.1","port":1884},
             "devices":[{"id":"sos-0001","kind":"sos","secret":"s1","residentId":1},
                        {"id":"clim-0001","kind":"climate","secret":"s2"}]}
            """;

        var file = FleetFile.Parse(json);

        Assert.Equal(new FleetMqtt("127.0.0.1", 1884), file.Mqtt);
        Assert.Equal([new DeviceCredentials("sos-0001", DeviceKind.Sos, "s1", 1), new DeviceCredentials("clim-0001", DeviceKind.Climate, "s2")], file.Devices);
    }

    [Theory]
    [InlineData("""{"devices":[{"id":"sos-0001","kind":"sos","secret":"a"},{"id":"sos-0001","kind":"sos","secret":"b"}]}""")]
    [InlineData("""{"devices":[{"id":"sos-0001","kind":"toaster","secret":"a"}]}""")]
    [InlineData("""{"devices":[{"id":"sos-0001","kind":"sos"}]}""")]
    [InlineData("""{"devices":[""")]
    public void FleetFile_Invalid_ThrowsInvalidDataException(string json)
    {
        Assert.Throws<InvalidDataException>(() => FleetFile.Parse(json));
    }

    [Theory]
    [InlineData(Scenario.Fall, DeviceKind.Sos, false)]
    [InlineData(Scenario.Fall, DeviceKind.Wearable, true)]
    [InlineData(Scenario.Sos, DeviceKind.Wearable, true)]
    [InlineData(Scenario.Smoke, DeviceKind.Climate, false)]
    [InlineData(Scenario.HeatingFailure, DeviceKind.Climate, true)]
    [InlineData(Scenario.Test, DeviceKind.Door, true)]
    [InlineData(Scenario.Test, DeviceKind.Co, true)]
    [InlineData(Scenario.Sos, DeviceKind.Co, false)]
    [InlineData(Scenario.Leak, DeviceKind.Leak, true)]
    [InlineData(Scenario.Offline, DeviceKind.Co, true)]
    [InlineData(Scenario.Cancel, DeviceKind.Sos, true)]
    [InlineData(Scenario.Cancel, DeviceKind.Smoke, false)]
    [InlineData(Scenario.Visit, DeviceKind.Wearable, true)]
    [InlineData(Scenario.Visit, DeviceKind.Door, false)]
    [InlineData(Scenario.Co, DeviceKind.Co, true)]
    [InlineData(Scenario.Co, DeviceKind.Smoke, false)]
    public void Scenario_Kind_AppliesOnlyWhereItMakesSense(Scenario scenario, DeviceKind kind, bool applies)
    {
        Assert.Equal(applies, scenario.AppliesTo(kind));
    }

    [Fact]
    public void Scenario_EventScenarios_ApplyExactlyToTheKindsWhoseCatalogueRowSendsTheirRecord()
    {
        // The catalogue decides: a scenario that sends a record applies where the kind may send it (the decoder
        // would refuse it anywhere else), and a button press where the kind has that button action.
        foreach (var scenario in new[] { Scenario.Fall, Scenario.Smoke, Scenario.Leak, Scenario.Test })
        {
            var record = scenario.RecordName();
            Assert.Equal(
                SensorCatalog.DeviceKinds.Where(k => k.Sends(record)).Select(k => k.Kind),
                Enum.GetValues<DeviceKind>().Where(k => scenario.AppliesTo(k)));
        }
        foreach (var (scenario, action) in new[] { (Scenario.Sos, ButtonAction.Sos), (Scenario.Cancel, ButtonAction.Cancel), (Scenario.Visit, ButtonAction.Visit) })
        {
            Assert.Equal(
                SensorCatalog.DeviceKinds.Where(k => k.Button.Contains(action)).Select(k => k.Kind),
                Enum.GetValues<DeviceKind>().Where(k => scenario.AppliesTo(k)));
        }
        Assert.Equal(SensorCatalog.DeviceKinds.Where(k => k.Sends("co")).Select(k => k.Kind), Enum.GetValues<DeviceKind>().Where(k => Scenario.Co.AppliesTo(k)));
    }

    [Fact]
    public void SimulatorProfiles_EveryCatalogueKind_HasARow_WithTheCataloguesHeartbeat()
    {
        Assert.Equal(Enum.GetValues<DeviceKind>().Order(), SimulatorProfiles.All.Select(p => p.Kind).Order());
        foreach (var profile in SimulatorProfiles.All)
            Assert.Equal((int)profile.Kind.Spec().HeartbeatInterval.TotalSeconds, profile.Settings["heartbeat_s"]);
    }

    [Fact]
    public void DeviceCredentials_UnknownKind_NamesEveryCatalogueKind()
    {
        var error = Assert.Throws<FormatException>(() => DeviceCredentials.Parse("tst-0001:toaster:secret"));
        Assert.Contains("co", error.Message, StringComparison.Ordinal);
        Assert.Contains("leak", error.Message, StringComparison.Ordinal);
    }
}
