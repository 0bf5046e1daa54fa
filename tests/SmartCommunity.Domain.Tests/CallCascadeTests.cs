using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Escalation;

namespace SmartCommunity.Domain.Tests;

public sealed class CallCascadeTests
{
    private static readonly EscalationPolicy Critical = EscalationPolicy.For(Severity.Critical)!;

    private static CascadeContact Contact(string key, string? phone, string? userId = null, params ContactChannel[] channels) =>
        new(key, key, phone, "en", userId, channels.Length == 0 ? [ContactChannel.Sms] : channels);

    [Fact]
    public void FirstStep_Critical_IsTheFirstStepPastTheGridWorkersMinute()
    {
        // Critical: 60 s to acknowledge, a page every 30 s → step 2 (t = 60 s) is the first at the duty officer's level.
        Assert.Equal(2, CallCascade.FirstStep(Critical));
        Assert.Equal(EscalationLevel.DutyOfficer, EscalationSchedule.Step(Critical, DateTimeOffset.UnixEpoch, 2).Level);
        Assert.Null(CallCascade.FirstStep(EscalationPolicy.For(Severity.Warning)!));
    }

    [Fact]
    public void CalledAt_StepsFromTheFirst_OneContactPerStepInCallOrderThenNobody()
    {
        IReadOnlyList<CascadeContact> contacts = [Contact("daughter", "+8613800000001"), Contact("son", "+8613800000002")];

        Assert.Null(CallCascade.CalledAt(Critical, 0, contacts));
        Assert.Null(CallCascade.CalledAt(Critical, 1, contacts));
        Assert.Equal("daughter", CallCascade.CalledAt(Critical, 2, contacts)?.Key);
        Assert.Equal("son", CallCascade.CalledAt(Critical, 3, contacts)?.Key);
        Assert.Null(CallCascade.CalledAt(Critical, 4, contacts));
    }

    [Fact]
    public void CalledAt_ContactWithNoReachableChannel_IsSkippedNotWaitedFor()
    {
        // SMS without a phone and push without an account reach nobody: the next person is called at that step instead.
        IReadOnlyList<CascadeContact> contacts = [Contact("no-phone", null, null, ContactChannel.Sms, ContactChannel.Push), Contact("son", "+8613800000002")];

        Assert.Empty(CallCascade.Reachable(contacts[0]));
        Assert.Equal("son", CallCascade.CalledAt(Critical, 2, contacts)?.Key);
    }

    [Fact]
    public void Order_EmergencyContactWithAFamilyMembersPhone_CalledOnceWhereFirstListed()
    {
        var ordered = CallCascade.Order(
            [Contact("user:a", "+8613800000002", "a"), Contact("user:b", null, "b", ContactChannel.Push),
             Contact("contact:1", "+8613800000001"), Contact("contact:2", "+8613800000002")]);

        Assert.Equal(["user:a", "user:b", "contact:1"], ordered.Select(c => c.Key));
    }

    [Theory]
    [InlineData("4821", true)]
    [InlineData(" 4821 ok", true)]
    [InlineData("确认 4821", true)]
    [InlineData("4812", false)]
    [InlineData("48210", false)]
    [InlineData("yes", false)]
    public void ReplyMatches_CodeWithOrWithoutWords_OnlyTheExactDigits(string body, bool matches) =>
        Assert.Equal(matches, CallCascade.ReplyMatches(body, "4821"));

    [Fact]
    public void EmergencyCentre_FireKinds_Go119_OthersTheAmbulance()
    {
        Assert.Equal("119", EmergencyCentres.For(AlertKind.Smoke));
        Assert.Equal("119", EmergencyCentres.For(AlertKind.CarbonMonoxide));
        Assert.Equal("120", EmergencyCentres.For(AlertKind.Fall));
        Assert.Equal(["120", "110", "119"], EmergencyCentres.Numbers);
    }

    [Fact]
    public void CascadeSms_WithoutTheLink_FitsOneSegmentInBothLanguages()
    {
        // The link (when configured) is what may push an SMS into a second segment; the words themselves fit one:
        // 160 GSM-7 characters in English, 70 UCS-2 characters in Chinese.
        Assert.True(CascadeTexts.Format("en", CascadeTexts.Sms, "SOS call", "Wang Shufen", "4821", "").Length <= 160);
        var zh = CascadeTexts.Format("zh-CN", CascadeTexts.Sms, "紧急呼叫", "王淑芬", "4821", "");
        Assert.True(zh.Length <= 70, zh);
        Assert.Equal("王淑芬紧急呼叫求助，工作人员未响应。如您在处理请回复4821：", zh);
    }
}
