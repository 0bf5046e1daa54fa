using BenchmarkDotNet.Attributes;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.EarlyWarning;
using SmartCommunity.EarlyWarning.Streaming;

namespace SmartCommunity.MicroBench;

/// <summary>
/// The early-warning detector's per-point cost, past warm-up: one climate reading every 10 s following a daily
/// cycle with noise. <see cref="StreamingDetector.Update(long, double)"/> is the bare detector (no window model,
/// as for a series whose model is not trained yet); <see cref="EarlyWarningEngine.Observe"/> is what the hub's
/// early-warning worker does per reading (series lookup, climate watch, detector).
/// </summary>
[MemoryDiagnoser]
public class EarlyWarningBenchmarks
{
    private const long Start = 1_795_921_200;
    private readonly StreamingDetector _detector = new();
    private readonly SeriesMonitor _monitor = new("clim-0001/temp", SmartCommunity.Domain.Catalog.LocalizedText.Of("measurement.temp"), "°C", new StreamingDetector());
    private readonly EarlyWarningEngine _engine = new();
    private readonly List<Finding> _findings = [];
    private readonly Source _source = new("clim-0001", DeviceKind.Climate, new RuleContext("clim-0001", DeviceKind.Climate, DeviceLocation.Bedroom), null);
    private readonly Measurement _temp = Measurement.Find("temp")!;
    private long _t;
    private int _i;

    private static double Value(long t, int i) => 21 + 1.5 * Math.Sin(2 * Math.PI * (t % 86400) / 86400.0) + 0.05 * ((i * 7919) % 13 - 6);

    [GlobalSetup]
    public void Setup()
    {
        // Three days at one reading per 10 s: past warm-up, every time-of-day slot known.
        _t = Start;
        for (_i = 0; _i < 3 * 8640; _i++, _t += 10)
        {
            var v = Value(_t, _i);
            _detector.Update(_t, v);
            _monitor.Update(DateTimeOffset.FromUnixTimeSeconds(_t), v);
            _engine.Observe(_source, new DecodedRecord(_temp, DateTimeOffset.FromUnixTimeSeconds(_t), v), _findings);
        }
        _findings.Clear();
    }

    [Benchmark(Baseline = true)]
    public double DetectorUpdate()
    {
        _t += 10;
        return _detector.Update(_t, Value(_t, ++_i)).Score;
    }

    [Benchmark]
    public Finding? SeriesMonitorUpdate()
    {
        _t += 10;
        return _monitor.Update(DateTimeOffset.FromUnixTimeSeconds(_t), Value(_t, ++_i));
    }

    [Benchmark]
    public int EngineObserveTemperature()
    {
        _t += 10;
        _findings.Clear();
        _engine.Observe(_source, new DecodedRecord(_temp, DateTimeOffset.FromUnixTimeSeconds(_t), Value(_t, ++_i)), _findings);
        return _findings.Count;
    }
}
