using System.Globalization;
using System.Text.Unicode;

namespace SmartCommunity.Bench;

/// <summary>
/// Canonical SenML packs as the firmware emits them (docs/protocol.md), byte for byte the shape of
/// protocol/vectors/climate-reading.payload, so the broker and the hub see payloads of the real size.
/// </summary>
public static class Senml
{
    // Large enough for any pack built here (the climate pack is ~125 bytes).
    private const int MaxPackBytes = 256;

    /// <summary>Readings in one climate pack (temp and hum): how msg/s turns into readings/s.</summary>
    public const int ReadingsPerClimatePack = 2;

    public static string ClimateId(int i) => string.Create(CultureInfo.InvariantCulture, $"clim-{i + 1:D4}");

    /// <summary>Devices of the fleet-size phase: fleet-00001 … (a separate hub, but distinct ids keep logs unambiguous).</summary>
    public static string FleetId(int i) => string.Create(CultureInfo.InvariantCulture, $"fleet-{i + 1:D5}");

    public static string SosId(int i) => string.Create(CultureInfo.InvariantCulture, $"sos-{i + 1:D4}");

    public static string UpTopic(string deviceId) => $"sc/v1/{deviceId}/up";

    /// <summary>
    /// A climate reading with a fresh seq and the current base time. The values wander inside the safe
    /// indoor band (20–24 °C, 40–60 %RH) so the background load raises no temperature alerts of its own.
    /// Written with at most the measurement's precision and no trailing zeros, as the canonical form requires.
    /// <paramref name="timeMs"/> (Unix ms) gives <c>bt</c> with milliseconds (the hub keeps time to the millisecond,
    /// docs/protocol.md); without it <c>bt</c> is the current whole second, as the firmware stamps.
    /// </summary>
    public static byte[] Climate(string deviceId, uint seq, long? timeMs = null)
    {
        var temp = 20 + (seq % 400) / 100.0;
        var hum = 40 + (seq % 200) / 10.0;
        var bt = timeMs is { } ms ? ms / 1000.0 : Now();
        Span<byte> buffer = stackalloc byte[MaxPackBytes];
        if (!Utf8.TryWrite(buffer, CultureInfo.InvariantCulture,
                $"[{{\"bn\":\"urn:dev:sc:{deviceId}:\",\"bt\":{bt:0.###},\"n\":\"seq\",\"v\":{seq}}},{{\"n\":\"temp\",\"u\":\"Cel\",\"v\":{temp:0.##}}},{{\"n\":\"hum\",\"u\":\"%RH\",\"v\":{hum:0.#}}}]",
                out var written))
            throw new InvalidOperationException("climate pack does not fit the buffer");
        return buffer[..written].ToArray();
    }

    /// <summary>An SOS button press (protocol/vectors/sos-press.payload shape).</summary>
    public static byte[] Sos(string deviceId, uint seq)
    {
        Span<byte> buffer = stackalloc byte[MaxPackBytes];
        if (!Utf8.TryWrite(buffer, CultureInfo.InvariantCulture,
                $"[{{\"bn\":\"urn:dev:sc:{deviceId}:\",\"bt\":{Now()},\"n\":\"seq\",\"v\":{seq}}},{{\"n\":\"sos\",\"vb\":true}}]",
                out var written))
            throw new InvalidOperationException("sos pack does not fit the buffer");
        return buffer[..written].ToArray();
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
}
