using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using SmartCommunity.Firmware.NfMetadataCheck;

namespace SmartCommunity.SensorNode.Core.Tests;

// The nanoFramework build is checked by scripts/firmware-check; these prove the checker can fail.
public class MetadataCheckTests
{
    [Fact]
    public void Check_CoreBuiltForNet10_FlagsNonMscorlibReference()
    {
        var violations = Check(typeof(NodeCore).Assembly.Location);
        Assert.Contains(violations, v => v.Contains("references assembly 'System.Runtime'", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_AssemblyUsingGenerics_FlagsInstantiationsAndDefinitions()
    {
        var violations = Check(typeof(MetadataCheckTests).Assembly.Location);
        Assert.Contains(violations, v => v.Contains("generic instantiation", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("MethodSpec", StringComparison.Ordinal) || v.Contains("generic signature", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_CoreSources_HaveNoGenericsEvenInTheNet10Build()
    {
        // Apart from the framework reference, the net10.0 build of the same sources must be as clean.
        var violations = Check(typeof(NodeCore).Assembly.Location);
        Assert.All(violations, v => Assert.StartsWith("references assembly", v, StringComparison.Ordinal));
    }

    private static List<string> Check(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        return MetadataRules.Check(pe.GetMetadataReader());
    }
}
