using System.Text.RegularExpressions;
using SmartCommunity.Testing;

namespace SmartCommunity.Telemetry.Tests.Influx;

/// <summary>
/// deploy/compose.yaml puts InfluxDB 1.x behind nginx (deploy/influx-proxy.conf) so that it ships the path these tests
/// run: the v2 write API rewritten to 1.x's /write, with the precision mapping. Only the addresses differ between the
/// two files (a compose host name there, a test port here); the precision map and the locations must be the same text.
/// </summary>
public sealed class DeployedInfluxProxyTests
{
    private static readonly string Tested = File.ReadAllText(Path.Combine(PrivateInflux.InfraFolder, "nginx.conf"));
    private static readonly string Deployed = File.ReadAllText(Path.Combine(PrivateInflux.InfraFolder, "..", "..", "..", "deploy", "influx-proxy.conf"));

    [Theory]
    [InlineData("map $arg_precision $v1_precision")]
    [InlineData("location = /api/v2/write")]
    [InlineData("location /")]
    public void DeployedProxy_Block_SameAsTheTestedOne(string header)
    {
        Assert.Equal(Block(Tested, header), Block(Deployed, header));
    }

    /// <summary>The block that starts with <paramref name="header"/>, comments dropped and white space collapsed.</summary>
    private static string Block(string config, string header)
    {
        var text = Regex.Replace(config, "#[^\n]*", "");
        var start = Regex.Match(text, Regex.Escape(header) + @"\s*\{");
        Assert.True(start.Success, $"no '{header} {{' block");
        var depth = 0;
        for (var i = start.Index + start.Length - 1; i < text.Length; i++)
        {
            depth += text[i] switch { '{' => 1, '}' => -1, _ => 0 };
            if (depth == 0)
                return Regex.Replace(text[start.Index..(i + 1)], @"\s+", " ");
        }

        throw new FormatException($"the '{header}' block is not closed");
    }
}
