using System.Text;
using System.Text.Json;
using SmartCommunity.Simulator.Protocol;

namespace SmartCommunity.Simulator.Tests.Protocol;

/// <summary>
/// The simulator's encoder must emit the golden vectors byte for byte: each accepted vector's
/// meaning (expected.json) is encoded and compared with its payload file.
/// </summary>
public sealed class GoldenVectorTests
{
    public static TheoryData<string> AcceptedVectors()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.EnumerateFiles(RepoPaths.Vectors, "*.expected.json").Order(StringComparer.Ordinal))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            if (doc.RootElement.GetProperty("result").GetString() == "accepted")
            {
                data.Add(Path.GetFileName(path)[..^".expected.json".Length]);
            }
        }

        return data;
    }

    [Fact]
    public void Vectors_Folder_HasAcceptedVectors()
    {
        Assert.True(AcceptedVectors().Count >= 10, "protocol/vectors should hold the accepted golden vectors");
    }

    [Theory]
    [MemberData(nameof(AcceptedVectors))]
    public void Encoder_AcceptedVectorMeaning_ReproducesPayloadBytes(string name)
    {
        var expectedBytes = File.ReadAllBytes(Path.Combine(RepoPaths.Vectors, name + ".payload"));
        using var meaning = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Vectors, name + ".expected.json")));

        var pack = PackFromMeaning(meaning.RootElement, BaseTimeOf(expectedBytes));
        var actual = SenmlEncoder.Encode(pack);

        Assert.Equal(Encoding.UTF8.GetString(expectedBytes), Encoding.UTF8.GetString(actual));
        Assert.Equal(expectedBytes, actual);
    }

    [Fact]
    public void Encoder_LastWill_MatchesGoldenVector()
    {
        var expected = File.ReadAllBytes(Path.Combine(RepoPaths.Vectors, "last-will.payload"));

        Assert.Equal(expected, SenmlEncoder.EncodeLastWill("sos-0001"));
    }

    /// <summary>
    /// bt is not part of the decoded meaning (records carry absolute times), so it is read from the
    /// payload; every record time must then equal bt + t, which the byte comparison checks.
    /// </summary>
    private static long? BaseTimeOf(byte[] payload)
    {
        using var doc = JsonDocument.Parse(payload);
        return doc.RootElement[0].TryGetProperty("bt", out var bt) ? bt.GetInt64() : null;
    }

    private static SenmlPack PackFromMeaning(JsonElement meaning, long? baseTime)
    {
        var topic = meaning.GetProperty("topic").GetString()!;
        var deviceId = topic.Split('/')[2];
        var seqElement = meaning.GetProperty("seq");
        uint? seq = seqElement.ValueKind == JsonValueKind.Null ? null : seqElement.GetUInt32();

        var records = new List<SenmlRecord>();
        foreach (var r in meaning.GetProperty("records").EnumerateArray())
        {
            long? t = null;
            if (seq is not null)
            {
                var time = DateTimeOffset.Parse(r.GetProperty("time").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
                var offset = time.ToUnixTimeSeconds() - baseTime!.Value;
                t = offset == 0 ? null : offset;
            }

            var record = new SenmlRecord
            {
                Name = r.GetProperty("name").GetString()!,
                Unit = r.TryGetProperty("unit", out var u) ? u.GetString() : null,
                Value = r.TryGetProperty("value", out var v) ? v.GetDouble() : null,
                BoolValue = r.TryGetProperty("bool", out var b) ? b.GetBoolean() : null,
                StringValue = r.TryGetProperty("string", out var s) ? s.GetString() : null,
                Time = t,
            };
            records.Add(record);
        }

        // The last will (no seq) carries neither bt nor seq; the receiver stamps it.
        return new SenmlPack(deviceId, seq is null ? null : baseTime, seq, records);
    }
}
