using System.Text;
using SmartCommunity.Simulator.Protocol;

namespace SmartCommunity.Simulator.Tests.Protocol;

public sealed class SenmlEncoderTests
{
    [Theory]
    [InlineData(21.5, 2, "21.5")]
    [InlineData(20.0, 2, "20")]
    [InlineData(20.756, 2, "20.76")]
    [InlineData(-3.25, 2, "-3.25")]
    [InlineData(-0.001, 2, "0")]
    [InlineData(-0.0, 0, "0")]
    [InlineData(45.25, 1, "45.3")]
    [InlineData(349.6, 0, "350")]
    [InlineData(100000, 0, "100000")]
    public void FormatNumber_Value_IsCanonical(double value, int precision, string expected)
    {
        Assert.Equal(expected, SenmlEncoder.FormatNumber(value, precision));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void FormatNumber_NotFinite_Throws(double value)
    {
        Assert.Throws<ArgumentException>(() => SenmlEncoder.FormatNumber(value, 2));
    }

    [Fact]
    public void Encode_RecordWithTwoValues_Throws()
    {
        var record = new SenmlRecord { Name = "temp", Value = 1, BoolValue = true };

        Assert.Throws<ArgumentException>(() => SenmlEncoder.Encode(new SenmlPack("clim-0001", 1, 1, [record])));
    }

    [Fact]
    public void Encode_TemperatureWithManyDecimals_RoundsToTablePrecision()
    {
        var pack = new SenmlPack("clim-0001", 1795921200, 42, [SenmlRecord.Number(Measurements.Temperature, 21.4999), SenmlRecord.Number(Measurements.Humidity, 45.24)]);

        var json = Encoding.UTF8.GetString(SenmlEncoder.Encode(pack));

        Assert.Equal("""[{"bn":"urn:dev:sc:clim-0001:","bt":1795921200,"n":"seq","v":42},{"n":"temp","u":"Cel","v":21.5},{"n":"hum","u":"%RH","v":45.2}]""", json);
    }

    [Fact]
    public void Encode_MaxSequence_WritesPlainDigits()
    {
        var json = Encoding.UTF8.GetString(SenmlEncoder.Encode(new SenmlPack("sos-0001", 1795921200, uint.MaxValue, [SenmlRecord.Flag(Measurements.Sos, true)])));

        Assert.Contains("\"v\":4294967295}", json, StringComparison.Ordinal);
    }
}
