using System.Text.Json;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Testing;

namespace SmartCommunity.Domain.Tests;

/// <summary>The protocol's golden vectors (protocol/vectors): exact payload bytes and their meaning.</summary>
public sealed record GoldenVector(string Name, byte[] Payload, string Topic, DeviceKind Kind, DateTimeOffset ReceivedAt, JsonElement Expected)
{
    public bool Accepted => Expected.GetProperty("result").GetString() == "accepted";

    /// <summary>False for a pack the firmware does not emit (other SenML spellings of the same records); the firmware's
    /// encoder tests reproduce only the canonical ones byte for byte.</summary>
    public bool Canonical => !Expected.TryGetProperty("canonical", out var c) || c.GetBoolean();

    /// <summary>The records as RFC 8428 §4.6 resolves them, where the vector states them (the RFC's own examples).</summary>
    public JsonElement? Resolved => Expected.TryGetProperty("resolved", out var r) ? r : null;

    public override string ToString() => Name;

    public static string Folder => RepoPaths.Vectors;

    public static IReadOnlyList<GoldenVector> All { get; } = Load();

    public static IEnumerable<TheoryDataRow<string>> Names(bool accepted) =>
        All.Where(v => v.Accepted == accepted).Select(v => new TheoryDataRow<string>(v.Name));

    public static GoldenVector Get(string name) => All.Single(v => v.Name == name);

    private static IReadOnlyList<GoldenVector> Load()
    {
        var list = new List<GoldenVector>();
        foreach (var expectedFile in Directory.GetFiles(Folder, "*.expected.json").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(expectedFile)[..^".expected.json".Length];
            var doc = JsonDocument.Parse(File.ReadAllText(expectedFile)).RootElement;
            DeviceKinds.TryParse(doc.GetProperty("deviceKind").GetString(), out var kind);
            list.Add(new GoldenVector(name, File.ReadAllBytes(Path.Combine(Folder, name + ".payload")), doc.GetProperty("topic").GetString()!, kind,
                DateTimeOffset.Parse(doc.GetProperty("receivedAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture), doc));
        }
        return list;
    }
}
