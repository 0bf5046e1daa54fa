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
}
