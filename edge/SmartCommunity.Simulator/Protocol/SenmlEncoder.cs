using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace SmartCommunity.Simulator.Protocol;

/// <summary>
/// Writes SenML packs in the canonical encoding of docs/protocol.md: no whitespace, keys in the
/// order bn, bt, n, u, v/vb/vs, t, integers as plain digits, decimals with at most the
/// measurement's precision and no trailing zeros, never <c>-0</c>.
/// </summary>
public static class SenmlEncoder
{
    /// <summary>Precision used for names the measurement table does not know (negative tests).</summary>
    public const int UnknownMeasurementPrecision = 6;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = false,
        // Device ids, names and units are ASCII; the relaxed encoder keeps e.g. '%' and '+' literal.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The base name of a device: <c>urn:dev:sc:{id}:</c>.</summary>
    public static string BaseName(string deviceId) => $"urn:dev:sc:{deviceId}:";

    /// <summary>Encodes a pack to its canonical bytes.</summary>
    /// <exception cref="ArgumentException">A record has no value, several values, or a value that is not finite.</exception>
    public static byte[] Encode(SenmlPack pack)
    {
        ArgumentNullException.ThrowIfNull(pack);
        if (pack.Sequence is null && pack.Records.Count == 0)
        {
            throw new ArgumentException("A pack needs a sequence number or at least one record.", nameof(pack));
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartArray();
            var first = true;
            if (pack.Sequence is { } seq)
            {
                WriteRecord(writer, pack, first: true, new SenmlRecord { Name = Measurements.Sequence.Name, Value = seq });
                first = false;
            }

            foreach (var record in pack.Records)
            {
                WriteRecord(writer, pack, first, record);
                first = false;
            }

            writer.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The last will of a device: <c>[{"bn":"urn:dev:sc:{id}:","n":"online","vb":false}]</c>.</summary>
    public static byte[] EncodeLastWill(string deviceId) =>
        Encode(new SenmlPack(deviceId, BaseTime: null, Sequence: null, [SenmlRecord.Flag(Measurements.Online, false)]));

    /// <summary>
    /// Formats a decimal with at most <paramref name="precision"/> digits after the point,
    /// trailing zeros and a trailing point removed, never <c>-0</c>.
    /// </summary>
    public static string FormatNumber(double value, int precision)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentException($"SenML numbers must be finite, got {value.ToString(CultureInfo.InvariantCulture)}.", nameof(value));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(precision);
        var rounded = Math.Round(value, precision, MidpointRounding.AwayFromZero);
        var text = rounded.ToString("F" + precision.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        if (text.Contains('.', StringComparison.Ordinal))
        {
            text = text.TrimEnd('0').TrimEnd('.');
        }

        return text == "-0" ? "0" : text;
    }

    private static void WriteRecord(Utf8JsonWriter writer, SenmlPack pack, bool first, SenmlRecord record)
    {
        var valueCount = (record.Value is null ? 0 : 1) + (record.BoolValue is null ? 0 : 1) + (record.StringValue is null ? 0 : 1);
        if (valueCount != 1)
        {
            throw new ArgumentException($"Record '{record.Name}' must carry exactly one of v, vb, vs.", nameof(pack));
        }

        writer.WriteStartObject();
        if (first)
        {
            writer.WriteString("bn", BaseName(pack.DeviceId));
            if (pack.BaseTime is { } bt)
            {
                writer.WriteNumber("bt", bt);
            }
        }

        writer.WriteString("n", record.Name);
        if (record.Unit is not null)
        {
            writer.WriteString("u", record.Unit);
        }

        if (record.Value is { } v)
        {
            var precision = Measurements.Find(record.Name)?.Precision ?? UnknownMeasurementPrecision;
            writer.WritePropertyName("v");
            writer.WriteRawValue(FormatNumber(v, precision), skipInputValidation: true);
        }
        else if (record.BoolValue is { } vb)
        {
            writer.WriteBoolean("vb", vb);
        }
        else
        {
            writer.WriteString("vs", record.StringValue);
        }

        if (record.Time is { } t)
        {
            writer.WriteNumber("t", t);
        }

        writer.WriteEndObject();
    }
}
