using SmartCommunity.Domain.Alerts;

namespace SmartCommunity.Domain.Tests;

public sealed class AlertTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 29, 3, 0, 0, TimeSpan.Zero);
    private static readonly AlertPlace Place = new(1, 2, 3, 4);

    private static AlertSignal Sos(string device = "sos-0001") => new(device, AlertKind.Sos, Severity.Critical, "SOS button pressed", T);

    [Fact]
    public void Raise_NewSignal_StartsRaisedWithPlaceAndOneOccurrence()
    {
        var a = Alert.Raise(Sos(), Place, T);
        Assert.Equal(AlertStatus.Raised, a.Status);
        Assert.Equal(1, a.Occurrences);
        Assert.Equal((1, 2, 3, 4), (a.ResidentId, a.HouseholdId, a.GridId, a.CommunityId));
        Assert.Equal(1, a.Version);
    }

    [Fact]
    public void Fold_RepeatOfSameDeviceAndKind_CountsWithoutNewAlert()
    {
        var a = Alert.Raise(Sos(), Place, T);
        a.Fold(Sos(), T.AddMinutes(1));
        a.Fold(Sos(), T.AddMinutes(2));
        Assert.Equal(3, a.Occurrences);
        Assert.Equal(T.AddMinutes(2), a.LastSeenAt);
        Assert.Equal(T, a.RaisedAt);
        Assert.Equal(3, a.Version);
    }

    [Fact]
    public void Fold_ReplayedPackOfAGatewaysLocalAlert_CountedOnce()
    {
        var a = Alert.Raise(Sos() with { Seq = 4711, Local = true }, Place, T);
        a.Fold(Sos() with { Seq = 4711 }, T.AddMinutes(10));
        Assert.Equal(1, a.Occurrences);
        Assert.Equal(T, a.LastSeenAt);
        Assert.Null(a.SeenSeqs);
    }

    [Fact]
    public void Fold_LocalAlertAfterItsPack_CountedOnce()
    {
        var a = Alert.Raise(Sos() with { Seq = 4711 }, Place, T);
        a.Fold(Sos() with { Seq = 4711, Local = true }, T.AddMinutes(10));
        Assert.Equal(1, a.Occurrences);
    }

    [Fact]
    public void Fold_TwoPressesReportedLocallyThenBothReplayed_CountsTwo()
    {
        var a = Alert.Raise(Sos() with { Seq = 10, Local = true }, Place, T);
        a.Fold(Sos() with { Seq = 12, Local = true }, T.AddMinutes(1));
        a.Fold(Sos() with { Seq = 10 }, T.AddMinutes(10));
        a.Fold(Sos() with { Seq = 12 }, T.AddMinutes(10));
        // A later press with a number seen before from the pack's own path is a new event (the window already refused a true replay).
        a.Fold(Sos() with { Seq = 13 }, T.AddMinutes(11));
        Assert.Equal(3, a.Occurrences);
        Assert.Equal("p13", a.SeenSeqs);
    }

    [Fact]
    public void Fold_ManyPresses_RemembersOnlyTheNewest()
    {
        var a = Alert.Raise(Sos() with { Seq = 1 }, Place, T);
        for (var seq = 2u; seq <= 40; seq++)
            a.Fold(Sos() with { Seq = seq }, T.AddSeconds(seq));
        Assert.Equal(40, a.Occurrences);
        Assert.Equal(Alert.MaxSeenSeqs, a.SeenSeqs!.Split(' ').Length);
        Assert.True(a.SeenSeqs.Length <= 200, "fits its column");
    }

    [Fact]
    public void Fold_OtherDevice_Throws()
    {
        var a = Alert.Raise(Sos(), Place, T);
        Assert.Throws<InvalidOperationException>(() => a.Fold(Sos("sos-0002"), T));
    }

    [Fact]
    public void Fold_HigherSeverity_Escalates()
    {
        var a = Alert.Raise(new AlertSignal("clim-1", AlertKind.TemperatureLow, Severity.Warning, "cold", T), Place, T);
        a.Fold(new AlertSignal("clim-1", AlertKind.TemperatureLow, Severity.High, "colder", T), T.AddMinutes(5));
        Assert.Equal(Severity.High, a.Severity);
        Assert.Equal("colder", a.Message);
    }

    [Fact]
    public void Lifecycle_AckDispatchOnSiteResolve_RecordsWhoAndWhen()
    {
        var a = Alert.Raise(Sos(), Place, T);
        a.Acknowledge("officer", T.AddSeconds(20));
        a.Dispatch("officer", "worker1", T.AddSeconds(40));
        a.ArriveOnSite(T.AddMinutes(8));
        a.Resolve("worker1", AlertOutcome.Real, "resident helped up", T.AddMinutes(20));

        Assert.Equal(AlertStatus.Resolved, a.Status);
        Assert.Equal(("officer", T.AddSeconds(20)), (a.AcknowledgedBy, a.AcknowledgedAt!.Value));
        Assert.Equal("worker1", a.AssignedTo);
        Assert.Equal(T.AddMinutes(8), a.OnSiteAt);
        Assert.Equal(("worker1", AlertOutcome.Real, "resident helped up"), (a.ResolvedBy, a.Outcome!.Value, a.ResolutionNote));
        Assert.False(a.IsOpen);
    }

    [Fact]
    public void Acknowledge_Twice_Throws()
    {
        var a = Alert.Raise(Sos(), Place, T);
        a.Acknowledge("officer", T);
        Assert.Throws<AlertTransitionException>(() => a.Acknowledge("other", T));
        Assert.Equal("officer", a.AcknowledgedBy);
    }

    [Fact]
    public void Resolve_FromRaised_AlsoRecordsAcknowledgement()
    {
        var a = Alert.Raise(Sos(), Place, T);
        a.Resolve("officer", AlertOutcome.FalseAlarm, null, T.AddMinutes(1));
        Assert.Equal("officer", a.AcknowledgedBy);
        Assert.Equal(T.AddMinutes(1), a.AcknowledgedAt);
    }

    [Fact]
    public void Resolved_AnyChange_Throws()
    {
        var a = Alert.Raise(Sos(), Place, T);
        a.Resolve("officer", AlertOutcome.FalseAlarm, null, T);
        Assert.Throws<AlertTransitionException>(() => a.Fold(Sos(), T));
        Assert.Throws<AlertTransitionException>(() => a.Acknowledge("x", T));
        Assert.Throws<AlertTransitionException>(() => a.Resolve("x", AlertOutcome.Real, null, T));
    }

    [Fact]
    public void ArriveOnSite_WithoutDispatch_Throws()
    {
        var a = Alert.Raise(Sos(), Place, T);
        Assert.Throws<AlertTransitionException>(() => a.ArriveOnSite(T));
    }

    [Fact]
    public void HandOff_Unacknowledged_AcknowledgesAndRecordsCentreWhoAndWhen()
    {
        var a = Alert.Raise(Sos(), Place, T);
        a.HandOff("officer@demo.local", "120", T.AddSeconds(40));

        Assert.Equal((AlertStatus.Acknowledged, "officer@demo.local", "120", "officer@demo.local", T.AddSeconds(40)),
            (a.Status, a.AcknowledgedBy, a.HandedOffTo, a.HandedOffBy, a.HandedOffAt));
        Assert.Equal(AlertEventType.HandedOff, a.Timeline[^1].Type);
        a.Resolve("officer@demo.local", AlertOutcome.Real, null, T.AddMinutes(30));
        Assert.Throws<AlertTransitionException>(() => a.HandOff("officer@demo.local", "110", T.AddMinutes(31)));
    }

    [Fact]
    public void ErasePersonalData_ContactWhoAcknowledgedAndWasCalled_NamesGone()
    {
        var a = Alert.Raise(Sos(), Place, T);
        a.RecordCall("Wang Min", "sms", T.AddSeconds(60));
        a.Acknowledge(Alert.ContactActorPrefix + "Wang Min", T.AddSeconds(70));

        a.ErasePersonalData([]);

        Assert.Equal(Alert.FamilyActor, a.AcknowledgedBy);
        Assert.Null(a.Timeline.Single(e => e.Type == AlertEventType.Called).Detail);
        Assert.Equal(Alert.FamilyActor, a.Timeline.Single(e => e.Type == AlertEventType.Acknowledged).Actor);
    }
}
