using System.Text;
using BenchmarkDotNet.Attributes;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Ingestion;

namespace SmartCommunity.MicroBench;

/// <summary>Per-message work done inside the broker's publish interceptor, with allocations.</summary>
[MemoryDiagnoser]
public class HotPathBenchmarks
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 3, 0, 2, TimeSpan.Zero);
    private readonly byte[] _climate = Encoding.UTF8.GetBytes("[{\"bn\":\"urn:dev:sc:clim-0001:\",\"bt\":1795921200,\"n\":\"seq\",\"v\":42},{\"n\":\"temp\",\"u\":\"Cel\",\"v\":21.5},{\"n\":\"hum\",\"u\":\"%RH\",\"v\":45.2}]");
    private readonly byte[] _sos = Encoding.UTF8.GetBytes("[{\"bn\":\"urn:dev:sc:sos-0001:\",\"bt\":1795921200,\"n\":\"seq\",\"v\":1001},{\"n\":\"sos\",\"vb\":true}]");
    private readonly byte[] _malformed = Encoding.UTF8.GetBytes("[{\"bn\":\"urn:dev:sc:clim-0001:\",\"bt\":1795921200,\"n\":\"seq\",\"v\":44},{\"n\":\"temp\",\"u\":\"Cel\",\"v\":21.5}");
    private readonly RuleContext _rules = new("clim-0001", DeviceKind.Climate, DeviceLocation.Bedroom);
    private DecodedPack _pack = null!;
    private readonly SequenceWindow _window = new();
    private uint _seq;

    [GlobalSetup]
    public void Setup() => _pack = SenmlDecoder.Decode(_climate, "clim-0001", DeviceKind.Climate, TopicChannel.Up, Now).Pack!;

    [Benchmark(Baseline = true)]
    public DecodeResult DecodeClimateReading() => SenmlDecoder.Decode(_climate, "clim-0001", DeviceKind.Climate, TopicChannel.Up, Now);

    [Benchmark]
    public DecodeResult DecodeSos() => SenmlDecoder.Decode(_sos, "sos-0001", DeviceKind.Sos, TopicChannel.Up, Now);

    [Benchmark]
    public DecodeResult DecodeMalformed() => SenmlDecoder.Decode(_malformed, "clim-0001", DeviceKind.Climate, TopicChannel.Up, Now);

    [Benchmark]
    public bool ParseTopic() => Topic.TryParse("sc/v1/clim-0001/up", out _, out _);

    [Benchmark]
    public int EvaluateRules() => SafetyRules.Evaluate(_rules, _pack).Count;

    [Benchmark]
    public bool SequenceWindowAccept() => _window.TryAccept(++_seq);
}
