using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Ingestion;

namespace SmartCommunity.EarlyWarning.Tests;

public class EngineTests
{
    private static readonly Measurement Temp = Measurement.Find("temp")!;
    private static readonly Source Climate = new("climate-1", DeviceKind.Climate, new RuleContext("climate-1", DeviceKind.Climate, DeviceLocation.Home), 1);

    [Fact]
    public void Load_StateSavedAfterRestart_ContinuesWithTheSameVerdicts()
    {
        var data = Synthetic.Daily(3000, TimeSpan.FromMinutes(5), 21, 1, 0.2, seed: 9).ToArray();
        data[2500] = (data[2500].At, 29);
        var original = new EarlyWarningEngine();
        var sink = new List<Finding>();
        foreach (var p in data[..2000])
            original.Observe(Climate, new DecodedRecord(Temp, p.At, p.Value), sink);
        original.FalseAlarm(EarlyWarningEngine.SeriesId("climate-1", "temp"));
        using var state = new MemoryStream();
        original.Save(state);
        state.Position = 0;

        var restored = new EarlyWarningEngine();
        restored.Load(state);

        Assert.Equal(1, restored.FalseAlarmCount);
        var a = new List<Finding>();
        var b = new List<Finding>();
        foreach (var p in data[2000..])
        {
            original.Observe(Climate, new DecodedRecord(Temp, p.At, p.Value), a);
            restored.Observe(Climate, new DecodedRecord(Temp, p.At, p.Value), b);
        }
        Assert.Equal(a.Where(f => f.Kind == FindingKind.Anomaly), b.Where(f => f.Kind == FindingKind.Anomaly));
        var spike = Assert.Single(a, f => f.Kind == FindingKind.Anomaly && f.At == data[2500].At);
        Assert.Contains("Temperature 29 °C", spike.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DetectorSavedByAnOlderVersion_RelearnsItAndKeepsTheRoutines()
    {
        var engine = new EarlyWarningEngine();
        var sink = new List<Finding>();
        var pir = new Source("pir-1", DeviceKind.Pir, new RuleContext("pir-1", DeviceKind.Pir, DeviceLocation.Home), 7);
        engine.Observe(pir, new DecodedRecord(Measurement.Find("motion")!, Synthetic.Start, 1), sink);
        foreach (var p in Synthetic.Daily(50, TimeSpan.FromMinutes(5), 21, 1, 0.2, seed: 3))
            engine.Observe(Climate, new DecodedRecord(Temp, p.At, p.Value), sink);
        using var saved = new MemoryStream();
        engine.Save(saved);
        // The same snapshot with the detector's state version set back to 1 (before per-day and weekday slots).
        var json = System.Text.Json.Nodes.JsonNode.Parse(saved.ToArray())!;
        var blob = Convert.FromBase64String(json["Detectors"]!["climate-1/temp"]!.GetValue<string>());
        BitConverter.GetBytes(1).CopyTo(blob, 0);
        json["Detectors"]!["climate-1/temp"] = Convert.ToBase64String(blob);

        var restored = new EarlyWarningEngine();
        restored.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString())));

        Assert.Equal(1, restored.ResidentCount);
        Assert.Equal(0, restored.SeriesCount);
        Assert.Equal(1, restored.SkippedOnLoad);
    }
}
