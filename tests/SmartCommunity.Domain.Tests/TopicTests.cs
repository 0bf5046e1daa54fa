using SmartCommunity.Domain.Ingestion;

namespace SmartCommunity.Domain.Tests;

public sealed class TopicTests
{
    [Theory]
    [InlineData("sc/v1/sos-0001/down", true)]
    [InlineData("sc/v1/sos-0001/cfg", true)]
    [InlineData("sc/v1/sos-0002/down", false)]
    [InlineData("sc/v1/sos-0001/up", false)]
    [InlineData("sc/v1/+/down", false)]
    [InlineData("sc/v1/sos-0001/#", false)]
    [InlineData("#", false)]
    public void MaySubscribe_OnlyItsOwnDownAndCfg_True(string filter, bool allowed)
    {
        Assert.Equal(allowed, Topic.MaySubscribe("sos-0001", filter));
    }
}
