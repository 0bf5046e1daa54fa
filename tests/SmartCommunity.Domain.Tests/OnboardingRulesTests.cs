using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Onboarding;

namespace SmartCommunity.Domain.Tests;

public sealed class OnboardingRulesTests
{
    /// <summary>A hub with one community "Sunny Court", grid "Grid A", one household and one resident "R-001"; device sos-0001 is a pendant.</summary>
    private sealed class Hub : IOnboardingLookup
    {
        public bool CommunityExists(string community) => community == "Sunny Court";
        public bool GridExists(string community, string grid) => CommunityExists(community) && grid == "Grid A";
        public bool HouseholdExists(string community, string address) => CommunityExists(community) && address == "Bldg 1, Flat 101";
        public (string Community, string Address)? ResidentHome(string externalId) => externalId == "R-001" ? ("Sunny Court", "Bldg 1, Flat 101") : null;
        public DeviceKind? DeviceKindOf(string deviceId) => deviceId == "sos-0001" ? DeviceKind.Sos : null;
        public string? RoleOf(string email) => email == "li.wei@example.org" ? "GridWorker" : null;
    }

    private static ImportRow Row(int line, params (string Column, string? Value)[] cells) =>
        new(line, cells.ToDictionary(c => c.Column, c => c.Value));

    [Fact]
    public void Residents_EveryBadCell_ReportedWithLineColumnAndCode()
    {
        var rows = new[]
        {
            Row(2, ("external_id", "R-100"), ("community", "Sunny Court"), ("address", "Bldg 1, Flat 101"), ("name", "Wang Fang"), ("birth_year", "1941"), ("special_difficulty", "是")),
            Row(3, ("external_id", "R-100"), ("community", "Sunny Court"), ("address", "Bldg 9, Flat 999"), ("name", new string('x', 101)), ("birth_year", "41"), ("special_difficulty", "maybe")),
            Row(4, ("external_id", ""), ("community", "Nowhere"), ("address", "Bldg 1, Flat 101"), ("name", "Zhao Lei")),
        };

        var check = OnboardingRules.Residents(rows, new Hub());

        Assert.Equal([2], check.Rows.Select(r => r.Line));
        Assert.True(check.Rows[0].SpecialDifficulty);
        Assert.Equal(
            [(3, "name", "too_long"), (3, "birth_year", "bad_year"), (3, "special_difficulty", "bad_bool"), (3, "external_id", "duplicate"), (3, "address", "unknown_household"),
             (4, "external_id", "required"), (4, "community", "unknown_community")],
            check.Problems.Select(p => (p.Line, p.Column, p.Code)));
        var duplicate = check.Problems.Single(p => p.Code == "duplicate");
        Assert.Equal("The same external_id is on line 2 already", duplicate.Message.Render(TextCatalogues.English));
        Assert.Equal("相同的 external_id 已出现在第 2 行", duplicate.Message.Render(TextCatalogues.Chinese));
    }

    [Fact]
    public void Users_BadPhoneRoleAndUnknownResident_Refused_AdminsNeverFromAFile()
    {
        var rows = new[]
        {
            Row(2, ("email", "Zhang.Min@Example.org"), ("role", "Family"), ("phone", "+86 138-1234-5678"), ("residents", "R-001")),
            Row(3, ("email", "a@example.org"), ("role", "Family"), ("phone", "13812345678"), ("residents", "R-404")),
            Row(4, ("email", "root@example.org"), ("role", "Admin")),
            Row(5, ("email", "li.wei@example.org"), ("role", "Technician")),
            Row(6, ("email", "not-an-email"), ("role", "GridWorker"), ("community", "Sunny Court")),
        };

        var check = OnboardingRules.Users(rows, new Hub());

        var ok = Assert.Single(check.Rows);
        Assert.Equal(("zhang.min@example.org", "+8613812345678"), (ok.Email, ok.Phone));
        Assert.Equal(["R-001"], ok.Residents);
        Assert.Equal(
            [(3, "phone", "bad_phone"), (3, "residents", "unknown_resident"), (4, "role", "bad_role"), (5, "role", "role_changed"), (6, "email", "bad_email"), (6, "grid", "needs_grid")],
            check.Problems.Select(p => (p.Line, p.Column, p.Code)));
        Assert.Contains("13812345678", check.Problems[0].Message.Render(TextCatalogues.Chinese), StringComparison.Ordinal);
    }

    [Fact]
    public void Devices_KindFromTheCatalogue_ResidentPlacesTheDevice_KindNeverChanges()
    {
        var rows = new[]
        {
            Row(2, ("device_id", "wear-0100"), ("kind", "Wearable"), ("resident", "R-001")),
            Row(3, ("device_id", "lamp-0001"), ("kind", "lamp"), ("community", "Sunny Court"), ("address", "Bldg 1, Flat 101")),
            Row(4, ("device_id", "sos-0001"), ("kind", "smoke"), ("community", "Sunny Court"), ("address", "Bldg 1, Flat 101")),
            Row(5, ("device_id", "Bad_Id"), ("kind", "sos"), ("resident", "R-001")),
            Row(6, ("device_id", "door-0001"), ("kind", "door"), ("location", "PublicSpace"), ("community", "Sunny Court"), ("grid", "Grid A")),
            Row(7, ("device_id", "door-0002"), ("kind", "door")),
        };

        var check = OnboardingRules.Devices(rows, new Hub());

        Assert.Equal(["wear-0100", "door-0001"], check.Rows.Select(r => r.Id));
        Assert.Equal(("Sunny Court", "Bldg 1, Flat 101", DeviceKind.Wearable), (check.Rows[0].Community, check.Rows[0].Address, check.Rows[0].Kind));
        Assert.Equal(("Grid A", (string?)null, DeviceLocation.PublicSpace), (check.Rows[1].Grid, check.Rows[1].Address, check.Rows[1].Location));
        Assert.Equal([(3, "kind", "bad_kind"), (4, "kind", "kind_changed"), (5, "device_id", "bad_device_id"), (7, "address", "needs_place")],
            check.Problems.Select(p => (p.Line, p.Column, p.Code)));
        Assert.Contains("sos, wearable, smoke", check.Problems[0].Message.Render(TextCatalogues.English), StringComparison.Ordinal);
    }

    [Fact]
    public void Households_SameAddressTwiceInACommunity_Duplicate_ControlCharacterRefused()
    {
        var rows = new[]
        {
            Row(2, ("community", "Sunny Court"), ("grid", "Grid A"), ("address", "Bldg 1, Flat 101")),
            Row(3, ("community", "Sunny Court"), ("grid", "Grid B"), ("address", "Bldg 1, Flat 101")),
            Row(4, ("community", "Sunny Court"), ("grid", "Grid\u202EB"), ("address", "Bldg 2, Flat 201")),
            Row(5, ("community", "Other Court"), ("grid", "Grid A"), ("address", "Bldg 1, Flat 101")),
        };

        var check = OnboardingRules.Households(rows);

        Assert.Equal([2, 5], check.Rows.Select(r => r.Line));
        Assert.Equal([(3, "address", "duplicate"), (4, "grid", "bad_text")], check.Problems.Select(p => (p.Line, p.Column, p.Code)));
    }

    [Fact]
    public void CheckHeader_MissingAndUnknownColumns_ReportedOnLine1()
    {
        var problems = OnboardingRules.CheckHeader(ImportKind.Devices, ["device_id", "knd", "label"]);

        Assert.Equal([(1, "knd", "unknown_column"), (1, "kind", "missing_column")], problems.Select(p => (p.Line, p.Column, p.Code)));
    }

    [Fact]
    public void Texts_EveryReasonCode_HasEnglishAndChinese()
    {
        var catalogue = OnboardingTexts.Catalogue;
        Assert.Equal(catalogue.En.Keys.Order(), catalogue.ZhCn.Keys.Order());
        Assert.Contains(TextCatalogues.All, c => c == catalogue);
    }
}
