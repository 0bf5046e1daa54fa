using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Reports;
using SmartCommunity.Domain.Visits;
using SmartCommunity.EarlyWarning;
using SmartCommunity.EarlyWarning.Watches;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.EarlyWarning;
using SmartCommunity.Hub.Notifications;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Reports;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// A Chinese family (profile language zh-CN) reads only Chinese, apart from proper names, units and abbreviations, for an
/// SOS, a temperature_low and an early-warning heating_failure alert: on the API (list, detail, timeline), the SignalR
/// push, the Web Push text (decrypted at a local push endpoint) and the family page in Chromium. Staff without a language
/// read the same alerts in English.
/// </summary>
public sealed partial class ChineseFamilyTests(ITestOutputHelper output)
{
    /// <summary>Latin a Chinese reader may see: units, abbreviations, the product's name.</summary>
    private static readonly HashSet<string> AllowedLatin = new(StringComparer.Ordinal) { "ppm", "UTC", "SOS", "KPI", "p90", "SmartCommunity", "CSV", "XLSX" }; // units, acronyms and file formats Chinese UIs write in Latin

    [Fact]
    public async Task ChineseFamily_SosTemperatureAndHeatingFailure_ReadOnlyChineseOnApiSignalRWebPushAndTheFamilyPage()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var receiver = await LocalReceiver.StartAsync(_ => 201);
        await using var hub = new HubApp(settings: new Dictionary<string, string?> { ["Hub:WebPush:AllowedEndpoints:0"] = receiver.Url });
        hub.Start();
        var world = await hub.SeedWorldAsync();
        // Everything a person may see that is a proper name, an id or a place, as entered.
        string[] properNames = ["Resident A", "Bldg 1, Flat 101", "Grid A", "Test Community", "Family A", "Staff", "sos-zh", "climate-zh"];

        using (var family = await hub.ClientAsync(World.FamilyA))
            Assert.Equal(HttpStatusCode.NoContent, (await family.PutAsJsonAsync("/api/me/language", new LanguageRequest("zh-CN"), ct)).StatusCode);
        var keys = new PushKeys();
        using (var family = await hub.ClientAsync(World.FamilyA))
        {
            var subscribed = await family.PostAsJsonAsync("/api/notifications/subscriptions", keys.Request($"{receiver.Url}/push/family"), ct);
            Assert.Equal(HttpStatusCode.NoContent, subscribed.StatusCode);
        }
        var pushed = new ConcurrentQueue<AlertDto>();
        await using var connection = await hub.SignalRAsync(World.FamilyA);
        connection.On<AlertDto>(nameof(IAlertsClient.AlertRaised), pushed.Enqueue);
        await connection.StartSubscribedAsync();

        // SOS and a cold room from real devices over MQTT; the heating failure from the early-warning watch, raised as the worker does.
        var sos = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentA, id: "sos-zh");
        var climate = await hub.RegisterDeviceAsync("climate", residentId: world.ResidentA, id: "climate-zh", location: "Home");
        using (var mqtt = await hub.ConnectDeviceAsync(sos))
            await mqtt.PublishAsync(Up(sos.Device.Id, Senml.Sos(sos.Device.Id, 1)), ct);
        using (var mqtt = await hub.ConnectDeviceAsync(climate))
            await mqtt.PublishAsync(Up(climate.Device.Id, Senml.Temp(climate.Device.Id, 1, 12.4)), ct);
        var finding = HeatingFailure();
        await hub.Services.GetRequiredService<AlertService>().RaiseAsync(EarlyWarningWorker.SignalOf(finding, climate.Device.Id),
            new AlertPlace(world.ResidentA, world.HouseholdA, world.GridA, world.CommunityId), ct);

        string[] kinds = ["sos", "temperature_low", "heating_failure"];
        var live = await Eventually.GetAsync(() => Task.FromResult(pushed.ToArray()), p => kinds.All(k => p.Any(a => a.Kind == k)), what: "the three alerts pushed to the family");
        var problems = new List<string>();
        foreach (var a in live.Where(a => kinds.Contains(a.Kind)))
            Check(problems, $"SignalR {a.Kind}", properNames, a.Title, a.Message);

        // The API: the list, each alert and its timeline, in the profile's language.
        using var chinese = await hub.ClientAsync(World.FamilyA);
        var list = (await chinese.GetFromJsonAsync<List<AlertDto>>("/api/alerts?status=open", ct))!;
        Assert.Equal(kinds.Order(), list.Select(a => a.Kind).Order());
        foreach (var a in list)
        {
            Check(problems, $"list {a.Kind}", properNames, a.Title, a.Message);
            var detail = (await chinese.GetFromJsonAsync<AlertDto>($"/api/alerts/{a.Id}", ct))!;
            Check(problems, $"detail {a.Kind}", properNames, detail.Title, detail.Message);
            var timeline = (await chinese.GetFromJsonAsync<List<AlertEventDto>>($"/api/alerts/{a.Id}/timeline", ct))!;
            Check(problems, $"timeline {a.Kind}", properNames, [.. timeline.Where(e => e.Type == "raised").Select(e => e.Detail)]);
            output.WriteLine($"{a.Kind}: {detail.Title} — {detail.Message}");
        }
        var heating = list.Single(a => a.Kind == "heating_failure");
        Assert.StartsWith("疑似供暖故障", heating.Message, StringComparison.Ordinal);
        Assert.Equal("紧急呼叫按钮被按下", list.Single(a => a.Kind == "sos").Message);
        Assert.StartsWith("温度 12.4 °C", list.Single(a => a.Kind == "temperature_low").Message, StringComparison.Ordinal);

        // Staff (no language chosen, an English browser) read the same alerts in English.
        using (var staff = await hub.ClientAsync(World.Staff))
        {
            var english = (await staff.GetFromJsonAsync<AlertDto>($"/api/alerts/{heating.Id}", ct))!;
            Assert.Equal(finding.Explanation, english.Message);
            Assert.Equal("Heating failure", english.Title);
        }

        // Web Push: every push the family's phone received, decrypted with its keys.
        var ids = list.Select(a => a.Id).ToHashSet();
        var payloads = await Eventually.GetAsync(
            () => Task.FromResult(receiver.Requests.Where(r => r.Path == "/push/family").Select(r => JsonSerializer.Deserialize<PushPayload>(keys.Decrypt(r.Body), JsonSerializerOptions.Web)!).ToList()),
            p => ids.All(id => p.Any(x => x.AlertId == id)), what: "a push per alert to the family's phone");
        foreach (var p in payloads)
        {
            Check(problems, $"push {p.AlertId}", properNames, p.Title, p.Body);
            output.WriteLine($"push: {p.Title} | {p.Body}");
        }

        // The family page in Chromium (a Chinese browser), with the three alerts on it.
        await using var browser = await DashboardBrowser.LaunchAsync();
        var page = await browser.SignInAsync(hub, World.FamilyA, DashboardBrowser.Phone, locale: "zh-CN");
        await Assertions.Expect(page.GetByTestId("family-page")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByTestId("resident-status")).ToHaveAttributeAsync("data-state", "alert", new() { Timeout = 20_000 });
        foreach (var a in list)
            await Assertions.Expect(page.GetByTestId("family-page")).ToContainTextAsync(a.Message, new() { Timeout = 20_000 });
        var text = await page.GetByTestId("family-page").InnerTextAsync();
        output.WriteLine(text);
        Check(problems, "family page", properNames, text);

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Check_EnglishInAChineseText_IsFound()
    {
        // The check must be able to fail: an English message, and English mixed into Chinese.
        var problems = new List<string>();
        Check(problems, "en", ["Resident A"], "SOS button pressed");
        Check(problems, "mixed", ["Resident A"], "Resident A：紧急呼叫。Staff have been called.");
        Check(problems, "fine", ["Resident A"], "Resident A：紧急呼叫。已通知工作人员。温度 12.4 °C，UTC 10:00");
        Assert.Contains(problems, p => p.StartsWith("en:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("mixed:", StringComparison.Ordinal) && p.Contains("Staff", StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.StartsWith("fine:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Webhook_PageOfAnSos_CarriesItsTextsInEnglishAndChinese()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var receiver = await LocalReceiver.StartAsync(_ => 200);
        await using var hub = new HubApp(settings: new Dictionary<string, string?>
        {
            ["Hub:Webhooks:Endpoints:0:Name"] = "sms",
            ["Hub:Webhooks:Endpoints:0:Url"] = receiver.Url + "/sms",
            ["Hub:Webhooks:Endpoints:0:Secret"] = "webhook-secret-for-tests-0123",
        });
        hub.Start();
        var world = await hub.SeedWorldAsync();
        await hub.Services.GetRequiredService<AlertService>().RaiseAsync(
            AlertSignal.Of("sos-w", AlertKind.Sos, Severity.Critical, Domain.Catalog.LocalizedText.Of("rule.sos"), DateTimeOffset.UtcNow),
            new AlertPlace(world.ResidentA, world.HouseholdA, world.GridA, world.CommunityId), ct);

        var request = await Eventually.GetAsync(() => Task.FromResult(receiver.Requests.FirstOrDefault(r => r.Path == "/sms")), r => r is not null, what: "the page's webhook");
        using var body = JsonDocument.Parse(request!.Body);
        var texts = body.RootElement.GetProperty("data").GetProperty("texts");
        Assert.Equal("Critical: SOS call", texts.GetProperty("en").GetProperty("title").GetString());
        Assert.Equal("Resident A: SOS button pressed", texts.GetProperty("en").GetProperty("body").GetString());
        Assert.Equal("紧急：紧急呼叫", texts.GetProperty("zh-CN").GetProperty("title").GetString());
        Assert.Equal("Resident A：紧急呼叫按钮被按下", texts.GetProperty("zh-CN").GetProperty("body").GetString());
        var recipient = Assert.Single(body.RootElement.GetProperty("data").GetProperty("recipients").EnumerateArray());
        Assert.Equal("en", recipient.GetProperty("language").GetString());
    }

    [Fact]
    public void MonthlyReport_InChinese_HeadingsAndLabelsAreChinese_AndEnglishStaysAsBefore()
    {
        var from = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var report = new KpiReport(from, from.AddMonths(1), 12, 10, 9, 0.9, TimeSpan.FromSeconds(31), TimeSpan.FromSeconds(95),
            TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(40), 11, 2, [new RateRow("temperature_low", 4, 1)], [new RateRow("climate-zh", 4, 1)],
            new VisitCoverageRow(null, 5, 4), [new VisitCoverageRow(3, 5, 4)], 6, 4.5);
        var problems = new List<string>();
        var html = ReportService.Html("Test Community", "2026-11", report, "zh-CN");
        var text = Regex.Replace(Regex.Replace(html, "<style>.*?</style>", " "), "<[^>]+>", "\n");
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.Any(char.IsLetter) && l != "climate-zh"))
            Check(problems, "html", ["Test Community", "climate-zh"], line);
        // The CSV keeps its machine columns; its label column is for a person.
        foreach (var row in ReportService.Csv(report, "zh-CN").Split('\n', StringSplitOptions.RemoveEmptyEntries))
            Check(problems, "csv label", ["climate-zh"], row[(row.LastIndexOf(',') + 1)..]);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Contains("<h1>KPI 报告：Test Community</h1>", html, StringComparison.Ordinal);
        Assert.Contains("<th>Alerts raised</th><td>12</td>", ReportService.Html("Test Community", "2026-11", report), StringComparison.Ordinal);
        Assert.StartsWith("metric,key,value,label\nperiod_from,", ReportService.Csv(report), StringComparison.Ordinal);
    }

    /// <summary>A falling room, fed to the heating watch until it warns: the same finding early warning raises.</summary>
    private static Finding HeatingFailure()
    {
        var watch = new ClimateWatch("climate-zh/temp", new TemperatureBand(16, 30));
        var start = DateTimeOffset.UtcNow.AddHours(-3);
        for (var minutes = 0; minutes <= 180; minutes += 5)
        {
            if (watch.AddTemperature(start.AddMinutes(minutes), 21 - 3.0 * minutes / 60) is { Kind: FindingKind.HeatingFailure } found)
                return found;
        }
        throw new InvalidOperationException("the watch never warned of a heating failure");
    }

    private static MqttApplicationMessage Up(string deviceId, byte[] payload) => new MqttApplicationMessageBuilder()
        .WithTopic($"sc/v1/{deviceId}/up").WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();

    /// <summary>Each text, proper names taken out, must contain CJK and no Latin word beyond <see cref="AllowedLatin"/>.</summary>
    private static void Check(List<string> problems, string where, string[] properNames, params string?[] texts)
    {
        foreach (var text in texts)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                problems.Add($"{where}: empty text");
                continue;
            }
            var bare = properNames.Aggregate(text, (t, name) => t.Replace(name, " ", StringComparison.Ordinal)).Replace("°C", " ", StringComparison.Ordinal);
            if (!Han().IsMatch(bare))
                problems.Add($"{where}: no Chinese in \"{text}\"");
            var english = LatinWord().Matches(bare).Select(m => m.Value).Where(w => !AllowedLatin.Contains(w)).Distinct().ToList();
            if (english.Count > 0)
                problems.Add($"{where}: English {string.Join(", ", english.Select(w => $"\"{w}\""))} in \"{text}\"");
        }
    }

    [GeneratedRegex(@"\p{IsCJKUnifiedIdeographs}")]
    private static partial Regex Han();

    [GeneratedRegex(@"[A-Za-z][A-Za-z0-9]*")]
    private static partial Regex LatinWord();

    /// <summary>A browser's side of a push subscription: its P-256 key pair and auth secret.</summary>
    private sealed class PushKeys
    {
        private readonly ECDiffieHellman _ua = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        private readonly byte[] _public;
        private readonly byte[] _auth = RandomNumberGenerator.GetBytes(16);

        public PushKeys()
        {
            var q = _ua.ExportParameters(false).Q;
            _public = [0x04, .. q.X!, .. q.Y!];
        }

        public SubscribeRequest Request(string endpoint) => new(endpoint, new SubscriptionKeys(VapidKeys.Base64Url(_public), VapidKeys.Base64Url(_auth)));
        public string Decrypt(byte[] body) => Rfc8291.Decrypt(body, _ua, _public, _auth);
    }
}
