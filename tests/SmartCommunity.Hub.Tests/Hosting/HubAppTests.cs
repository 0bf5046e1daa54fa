using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// The test host's guard (<see cref="HubApp"/>): a hub that logged an error its test did not expect fails the test when
/// it is disposed, so no test has to remember to look. The error is logged through the hub's own logging, as any of its
/// services would log one.
/// </summary>
public sealed class HubAppTests
{
    private const string Failure = "the alert could not be stored (test)";

    private static void LogErrorInsideTheHub(HubApp hub) =>
        hub.Services.GetRequiredService<ILogger<AlertService>>().LogError(new InvalidOperationException("disk full (test)"), Failure);

    [Fact]
    public async Task Dispose_HubLoggedAnErrorTheTestDidNotExpect_FailsNamingTheError()
    {
        var hub = new HubApp().Start();
        LogErrorInsideTheHub(hub);

        var failure = await Assert.ThrowsAsync<UnexpectedLoggedErrorsException>(async () => await hub.DisposeAsync());

        var error = Assert.Single(failure.Errors);
        Assert.Contains(typeof(AlertService).FullName!, error, StringComparison.Ordinal);
        Assert.Contains(Failure, failure.Message, StringComparison.Ordinal);
        Assert.Contains("disk full (test)", failure.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(hub.DataDirectory), "the hub was stopped and its data removed before the failure");
    }

    [Fact]
    public async Task Dispose_ErrorTheTestExpected_Passes()
    {
        var hub = new HubApp().Start().ExpectLoggedErrors(Failure);
        LogErrorInsideTheHub(hub);

        await hub.DisposeAsync();

        Assert.Contains(Failure, Assert.Single(hub.LoggedErrors), StringComparison.Ordinal);
        Assert.Empty(hub.UnexpectedErrors());
    }

    [Fact]
    public async Task Dispose_ExpectedAndUnexpectedErrors_FailsOnTheUnexpectedOnly()
    {
        var hub = new HubApp().Start().ExpectLoggedErrors("disk full (test)");
        LogErrorInsideTheHub(hub);
        hub.Services.GetRequiredService<ILogger<AlertService>>().LogCritical("the escalation job stopped (test)");

        var failure = await Assert.ThrowsAsync<UnexpectedLoggedErrorsException>(async () => await hub.DisposeAsync());

        Assert.Contains("the escalation job stopped (test)", Assert.Single(failure.Errors), StringComparison.Ordinal);
    }
}
