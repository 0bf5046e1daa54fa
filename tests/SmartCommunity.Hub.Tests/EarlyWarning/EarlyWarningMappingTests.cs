using SmartCommunity.Domain.Alerts;
using SmartCommunity.EarlyWarning;
using SmartCommunity.Hub.EarlyWarning;

namespace SmartCommunity.Hub.Tests;

public sealed class EarlyWarningMappingTests
{
    [Theory]
    [InlineData(FindingKind.NotUpAsUsual)]
    [InlineData(FindingKind.InactiveTooLong)]
    public void RoutineAbsence_BecomesInactivity_WithACancellablePreAlarm(FindingKind finding)
    {
        var kind = EarlyWarningWorker.KindOf(finding);
        Assert.Equal(AlertKind.Inactivity, kind);
        Assert.NotNull(PreAlarm.WindowFor(kind));
    }

    [Theory]
    [InlineData(FindingKind.HeatingFailure, AlertKind.HeatingFailure)]
    [InlineData(FindingKind.GasRising, AlertKind.GasRising)]
    [InlineData(FindingKind.Anomaly, AlertKind.Anomaly)]
    [InlineData(FindingKind.DoorOpenAtNight, AlertKind.Routine)]
    public void OtherFindings_KeepTheirOwnKind_AndPageAtOnce(FindingKind finding, AlertKind expected)
    {
        Assert.Equal(expected, EarlyWarningWorker.KindOf(finding));
        Assert.Null(PreAlarm.WindowFor(expected));
    }
}
