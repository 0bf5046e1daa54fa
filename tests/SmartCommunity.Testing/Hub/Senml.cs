using System.Text;

namespace SmartCommunity.Testing;

/// <summary>Builds canonical SenML packs for tests.</summary>
public static class Senml
{
    public static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public static byte[] Pack(string deviceId, uint seq, string records, long? bt = null) =>
        Encoding.UTF8.GetBytes($"[{{\"bn\":\"urn:dev:sc:{deviceId}:\",\"bt\":{bt ?? Now},\"n\":\"seq\",\"v\":{seq}}},{records}]");

    public static byte[] Sos(string deviceId, uint seq) => Pack(deviceId, seq, "{\"n\":\"sos\",\"vb\":true}");

    public static byte[] Temp(string deviceId, uint seq, double celsius, long? bt = null) =>
        Pack(deviceId, seq, $"{{\"n\":\"temp\",\"u\":\"Cel\",\"v\":{celsius.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}", bt);
}
