using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Globalization;
using System.Text.Json;
using MQTTnet;
using SmartCommunity.Domain.Onboarding;
using SmartCommunity.Domain.Provisioning;
using SmartCommunity.Hub.Audit;
using SmartCommunity.Hub.Onboarding;
using SmartCommunity.Hub.Places;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// Bulk onboarding against the running hub with real CSV and XLSX files: the dry run lists every problem and changes
/// nothing, a clean file applies once and a second time changes nothing, both formats give the same result, imported
/// devices connect over MQTT with the secrets shown once, and only admins may import.
/// </summary>
public sealed class OnboardingTests : IAsyncLifetime
{
    private HubApp _hub = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync()
    {
        _hub = new HubApp(settings: new Dictionary<string, string?> { ["Hub:Onboarding:MaxFileBytes"] = "65536" }).Start();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    private const string Households = """
        community,grid,address
        Sunny Court,Grid 1,"Bldg 1, Flat 101"
        Sunny Court,Grid 1,"Bldg 1, Flat 102"
        Sunny Court,Grid 2,"Bldg 2, Flat 201"
        """;

    private const string Residents = """
        external_id,community,address,name,birth_year,special_difficulty,notes
        R-001,Sunny Court,"Bldg 1, Flat 101",Wang Fang,1941,yes,
        R-002,Sunny Court,"Bldg 1, Flat 102",Zhao Lei,1938,no,Hard of hearing
        R-003,Sunny Court,"Bldg 2, Flat 201",李秀英,1936,是,
        """;

    private const string Devices = """
        device_id,kind,location,label,community,address,resident,grid
        sos-i001,sos,Home,,,,R-001,
        wear-i002,wearable,,,,,R-002,
        smk-i003,smoke,Kitchen,Kitchen ceiling,Sunny Court,"Bldg 2, Flat 201",,
        door-i004,door,PublicSpace,Gate,Sunny Court,,,Grid 1
        """;

    private static (string Name, byte[] Bytes) Csv(string text, string name = "file.csv") => (name, Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n") + "\r\n"));

    /// <summary>The same rows as an XLSX workbook (MiniExcel writes it; the hub reads it back through the same door as an uploaded file).</summary>
    private static (string Name, byte[] Bytes) Xlsx(string csv)
    {
        var lines = csv.ReplaceLineEndings("\n").Split('\n');
        var table = ImportFiles.Read(Encoding.UTF8.GetBytes(csv), 1000);
        var rows = table.Rows.Select(r => (IReadOnlyList<string?>)[.. table.Columns.Select(c => r.Cells[c])]);
        Assert.True(lines.Length > 1);
        return ("file.xlsx", ImportFiles.Xlsx(table.Columns, rows));
    }

    private async Task<(HttpStatusCode Status, ImportReportDto? Report, string Body)> ImportAsync(HttpClient http, string kind, (string Name, byte[] Bytes) file, bool dryRun)
    {
        using var form = new MultipartFormDataContent();
        var content = new ByteArrayContent(file.Bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(file.Name.EndsWith(".xlsx", StringComparison.Ordinal) ? ImportFiles.XlsxType : ImportFiles.CsvType);
        form.Add(content, "file", file.Name);
        var response = await http.PostAsync($"/api/onboarding/{kind}?dryRun={(dryRun ? "true" : "false")}", form, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        var report = response.Content.Headers.ContentType?.MediaType == "application/json" ? JsonSerializer.Deserialize<ImportReportDto>(body, JsonSerializerOptions.Web) : null;
        return (response.StatusCode, report, body);
    }

    private async Task<ImportReportDto> ApplyAsync(HttpClient http, string kind, (string Name, byte[] Bytes) file)
    {
        var (status, report, body) = await ImportAsync(http, kind, file, dryRun: false);
        Assert.True(status == HttpStatusCode.OK, body);
        Assert.True(report!.Applied);
        return report;
    }

    [Fact]
    public async Task DryRun_FileWithBadRows_ListsEveryProblemAndChangesNothing_FixedFileApplies()
    {
        using var admin = await _hub.AdminAsync();
        await ApplyAsync(admin, "households", Csv(Households));
        var bad = Csv("""
            external_id,community,address,name,birth_year,special_difficulty,notes
            R-001,Sunny Court,"Bldg 1, Flat 101",Wang Fang,1941,yes,
            R-001,Sunny Court,"Bldg 1, Flat 102",Zhao Lei,1938,no,
            R-003,Sunny Court,"Bldg 7, Flat 701",李秀英,19x6,是,
            """);
        var before = (await admin.GetFromJsonAsync<List<ResidentDto>>("/api/residents", Ct))!.Count;

        var (status, dry, _) = await ImportAsync(admin, "residents", bad, dryRun: true);
        var (applyStatus, refused, _) = await ImportAsync(admin, "residents", bad, dryRun: false);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(dry!.Applied);
        Assert.Equal([(3, "external_id", "duplicate"), (4, "address", "unknown_household"), (4, "birth_year", "bad_year")],
            dry.Problems.Select(p => (p.Line, p.Column, p.Code)).Order());
        Assert.All(dry.Problems, p => Assert.False(string.IsNullOrEmpty(p.MessageZhCn) || p.MessageZhCn == p.MessageEn));
        // Apply with the same problems: refused whole, nothing written.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, applyStatus);
        Assert.Equal(3, refused!.Problems.Count);
        Assert.Equal(before, (await admin.GetFromJsonAsync<List<ResidentDto>>("/api/residents", Ct))!.Count);

        var applied = await ApplyAsync(admin, "residents", Csv(Residents));
        Assert.Equal((3, 3, 0, 0), (applied.Rows, applied.Created, applied.Updated, applied.Unchanged));
        var residents = (await admin.GetFromJsonAsync<List<ResidentDto>>("/api/residents", Ct))!;
        Assert.Equal(before + 3, residents.Count);
        var li = Assert.Single(residents, r => r.Name == "李秀英");
        Assert.Equal((1936, true, "Bldg 2, Flat 201", "Grid 2"), (li.BirthYear, li.SpecialDifficulty, li.HouseholdAddress, li.GridName));
    }

    [Fact]
    public async Task Apply_SameFileTwice_SecondChangesNothing_AChangedRowIsUpdated()
    {
        using var admin = await _hub.AdminAsync();
        var first = await ApplyAsync(admin, "households", Csv(Households));
        var again = await ApplyAsync(admin, "households", Csv(Households));
        await ApplyAsync(admin, "residents", Csv(Residents));
        var residentsAgain = await ApplyAsync(admin, "residents", Csv(Residents));
        var moved = await ApplyAsync(admin, "residents", Csv(Residents.Replace("Zhao Lei,1938,no", "Zhao Lei,1938,yes", StringComparison.Ordinal)));

        Assert.Equal((3, 0, 0), (first.Created, first.Updated, first.Unchanged));
        Assert.Equal((0, 0, 3), (again.Created, again.Updated, again.Unchanged));
        Assert.Equal((0, 0, 3), (residentsAgain.Created, residentsAgain.Updated, residentsAgain.Unchanged));
        Assert.Equal((0, 1, 2), (moved.Created, moved.Updated, moved.Unchanged));
        var communities = (await admin.GetFromJsonAsync<List<CommunityDto>>("/api/communities", Ct))!;
        Assert.Equal(["Grid 1", "Grid 2"], Assert.Single(communities, c => c.Name == "Sunny Court").Grids.Select(g => g.Name));
    }

    [Fact]
    public async Task Import_XlsxAndCsvOfTheSameRows_SameProblemsAndSameResult()
    {
        using var admin = await _hub.AdminAsync();
        await ApplyAsync(admin, "households", Xlsx(Households));
        var bad = Residents + "\nR-004,Sunny Court,\"Bldg 9, Flat 9\",Sun Li,1950,perhaps,";

        var csvDry = (await ImportAsync(admin, "residents", Csv(bad), dryRun: true)).Report!;
        var xlsxDry = (await ImportAsync(admin, "residents", Xlsx(bad), dryRun: true)).Report!;
        var xlsx = await ApplyAsync(admin, "residents", Xlsx(Residents));
        var csvAfter = await ApplyAsync(admin, "residents", Csv(Residents));

        Assert.Equal([(5, "address", "unknown_household"), (5, "special_difficulty", "bad_bool")], csvDry.Problems.Select(p => (p.Line, p.Column, p.Code)).Order());
        Assert.Equal(csvDry.Problems.Select(p => (p.Line, p.Column, p.Code, p.MessageEn)), xlsxDry.Problems.Select(p => (p.Line, p.Column, p.Code, p.MessageEn)));
        Assert.Equal((3, 0, 0), (xlsx.Created, xlsx.Updated, xlsx.Unchanged));
        // The CSV of the same rows finds everything the workbook made exactly as it is.
        Assert.Equal((0, 0, 3), (csvAfter.Created, csvAfter.Updated, csvAfter.Unchanged));
    }

    [Fact]
    public async Task Devices_Apply_SecretsShownOnce_DeviceConnectsOverMqtt_ReimportNeverRevealsOrRotates()
    {
        using var admin = await _hub.AdminAsync();
        await ApplyAsync(admin, "households", Csv(Households));
        await ApplyAsync(admin, "residents", Csv(Residents));

        var applied = await ApplyAsync(admin, "devices", Csv(Devices));
        var again = await ApplyAsync(admin, "devices", Csv(Devices));

        Assert.Equal((4, 0, 0), (applied.Created, applied.Updated, applied.Unchanged));
        var credentials = applied.Credentials!;
        var rows = ImportFiles.Read(Encoding.UTF8.GetBytes(credentials.Csv), 100);
        Assert.Equal(["device_id", "kind", "secret", "provisioning"], rows.Columns);
        var sos = rows.Rows.Single(r => r.Cells["device_id"] == "sos-i001");
        var document = ProvisioningDocument.Parse(sos.Cells["provisioning"]!);
        Assert.Equal(("sos-i001", "sos", sos.Cells["secret"]), (document.DeviceId, document.Profile, document.Secret));
        // The printable sheet: one QR code per new device, whose image decodes to exactly the device's document.
        Assert.Equal(4, CountOf(credentials.Html!, "<figure>"));
        var png = Convert.FromBase64String(ImageOf(credentials.Html!, "sos-i001"));
        Assert.Equal(sos.Cells["provisioning"], QrImage.Read(png).Text);

        // The device signs in to the embedded broker with the secret from the file.
        var client = new MqttClientFactory().CreateMqttClient();
        var connected = await client.ConnectAsync(_hub.DeviceOptions("sos-i001", sos.Cells["secret"]!), Ct);
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
        await client.DisconnectAsync(cancellationToken: Ct);

        // Importing the same file again: nothing new, no credentials, the secret still works (not rotated).
        Assert.Equal((0, 0, 4), (again.Created, again.Updated, again.Unchanged));
        Assert.Null(again.Credentials);
        var reconnected = await client.ConnectAsync(_hub.DeviceOptions("sos-i001", sos.Cells["secret"]!), Ct);
        Assert.Equal(MqttClientConnectResultCode.Success, reconnected.ResultCode);
        await client.DisconnectAsync(cancellationToken: Ct);

        // The audit log has who imported what and the counts, never a secret.
        var audit = (await admin.GetFromJsonAsync<List<AuditEntryDto>>("/api/audit", Ct))!;
        var entry = audit.First(a => a.Action == "POST /api/onboarding/devices" && a.Detail!.Contains("4 created", StringComparison.Ordinal));
        Assert.Equal(HubApp.AdminEmail, entry.UserName);
        Assert.Equal("import devices (applied): 4 rows: 4 created, 0 updated, 0 unchanged, 0 problems", entry.Detail);
        Assert.DoesNotContain(audit, a => rows.Rows.Any(r => a.Detail?.Contains(r.Cells["secret"]!, StringComparison.Ordinal) == true));
    }

    [Fact]
    public async Task Users_Imported_GetAFirstPasswordOnce_FamilySeesOnlyTheirRelative()
    {
        using var admin = await _hub.AdminAsync();
        await ApplyAsync(admin, "households", Csv(Households));
        await ApplyAsync(admin, "residents", Csv(Residents));
        var people = Csv("""
            email,display_name,role,community,grid,phone,language,residents
            worker1@sunny.example,Li Wei,GridWorker,Sunny Court,Grid 1,+86 138 0000 0001,zh-CN,
            daughter@sunny.example,Wang Min,Family,,,+8613900000002,,R-001
            """);

        var created = await ApplyAsync(admin, "users", people);
        var again = await ApplyAsync(admin, "users", people);

        Assert.Equal((2, 0, 0), (created.Created, created.Updated, created.Unchanged));
        Assert.Equal((0, 0, 2), (again.Created, again.Updated, again.Unchanged));
        Assert.Null(again.Credentials);
        var passwords = ImportFiles.Read(Encoding.UTF8.GetBytes(created.Credentials!.Csv), 10).Rows.ToDictionary(r => r.Cells["email"]!, r => r.Cells["password"]!);
        using var daughter = await _hub.ClientAsync("daughter@sunny.example", passwords["daughter@sunny.example"]);
        var seen = (await daughter.GetFromJsonAsync<List<ResidentDto>>("/api/residents", Ct))!;
        Assert.Equal(["Wang Fang"], seen.Select(r => r.Name));
    }

    [Fact]
    public async Task Import_NonAdmin_Refused()
    {
        await _hub.SeedWorldAsync();
        using var technician = await _hub.ClientAsync(World.Technician);
        using var staff = await _hub.ClientAsync(World.Staff);

        var (techStatus, _, _) = await ImportAsync(technician, "devices", Csv(Devices), dryRun: true);
        var (staffStatus, _, _) = await ImportAsync(staff, "households", Csv(Households), dryRun: false);
        var template = await technician.GetAsync("/api/onboarding/templates/devices.csv", Ct);

        Assert.Equal(HttpStatusCode.Forbidden, techStatus);
        Assert.Equal(HttpStatusCode.Forbidden, staffStatus);
        Assert.Equal(HttpStatusCode.Forbidden, template.StatusCode);
    }

    [Fact]
    public async Task Import_FileOverTheLimit_RefusedWithProblemDetails()
    {
        using var admin = await _hub.AdminAsync();
        var big = new StringBuilder("community,grid,address\r\n");
        for (var i = 0; big.Length <= 70_000; i++)
            big.Append(CultureInfo.InvariantCulture, $"Big Court,Grid 1,\"Bldg {i}, Flat 101\"\r\n");

        var (status, _, body) = await ImportAsync(admin, "households", ("big.csv", Encoding.UTF8.GetBytes(big.ToString())), dryRun: true);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal(413, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Contains("65536 bytes", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var communities = (await admin.GetFromJsonAsync<List<CommunityDto>>("/api/communities", Ct))!;
        Assert.DoesNotContain(communities, c => c.Name == "Big Court");
    }

    [Fact]
    public async Task Templates_CsvAndXlsx_HaveTheColumnsTheImportReads()
    {
        using var admin = await _hub.AdminAsync();
        foreach (var kind in Enum.GetValues<ImportKind>())
        {
            var csv = await admin.GetByteArrayAsync($"/api/onboarding/templates/{kind.Name()}.csv", Ct);
            var xlsx = await admin.GetByteArrayAsync($"/api/onboarding/templates/{kind.Name()}.xlsx", Ct);
            Assert.Equal(OnboardingRules.Columns(kind), ImportFiles.Read(csv, 10).Columns);
            Assert.Equal(OnboardingRules.Columns(kind), ImportFiles.Read(xlsx, 10).Columns);
        }
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;

    private static string ImageOf(string html, string deviceId)
    {
        var at = html.IndexOf($"alt=\"{deviceId}\" src=\"data:image/png;base64,", StringComparison.Ordinal);
        Assert.True(at >= 0);
        var start = html.IndexOf("base64,", at, StringComparison.Ordinal) + "base64,".Length;
        return html[start..html.IndexOf('"', start)];
    }
}
