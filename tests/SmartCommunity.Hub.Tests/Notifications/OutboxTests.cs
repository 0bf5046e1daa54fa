using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Notifications;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Notifications;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>The durable outbox with its SMS channels: the real Twilio client against a fake Twilio on 127.0.0.1, the
/// templated HTTP channel against a local receiver, back-off on the hub's clock, dead letters and the admin's retry.</summary>
public sealed class OutboxTests
{
    private const string WorkerPhone = "+8613800138000";

    [Fact]
    public async Task TwilioSms_SosPagesWorkerReadingChinese_OneChineseSmsWithReplyCodeHandedToTwilio()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        await using var hub = new HubApp(settings: twilio.Settings());
        hub.Start();
        var world = await hub.SeedWorldAsync();
        await SetPhoneAsync(hub, World.WorkerA, WorkerPhone);
        using (var worker = await hub.ClientAsync(World.WorkerA))
            Assert.Equal(HttpStatusCode.NoContent, (await worker.PutAsJsonAsync("/api/me/language", new { language = "zh-CN" })).StatusCode);

        var alert = await RaiseSosAsync(hub, world, DateTimeOffset.UtcNow);

        var sms = await Eventually.GetAsync(() => Task.FromResult(twilio.Messages.ToList()), m => m.Count >= 1, what: "the SMS at the fake Twilio");
        var code = NotificationTexts.ReplyCode(alert.Id);
        Assert.Equal((WorkerPhone, FakeTwilio.From), (sms[0].Fields["To"], sms[0].Fields["From"]));
        Assert.Equal($"告警 紧急呼叫：Resident A，Bldg 1, Flat 101。回复 {code} 确认。", sms[0].Fields["Body"]);
        Assert.Equal(1, NotificationTexts.SmsSegments(sms[0].Fields["Body"]));
        Assert.Equal($"sms:{WorkerPhone}:alert-{alert.Id}:page-0", sms[0].Key);
        var row = await Eventually.GetAsync(() => RowAsync(hub, sms[0].Key!), r => r?.State == OutboxState.Sent, what: "the row marked sent");
        Assert.Equal((1, alert.Id), (row!.Attempts, row.AlertId));
        // One SMS for the first page (a later step, 30 s on, would page again with its own key).
        Assert.Single(twilio.Messages, m => m.Key == sms[0].Key);
        Assert.Empty(twilio.Refused);
    }

    [Fact]
    public async Task TwilioSms_Provider5xx_RetriedWithBackoffThenDeadLetter_AdminRetryDelivers()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        var attempts = 0;
        var failing = true;
        // Counted for the first page's SMS only: the next escalation step (30 s on) pages the worker again, by its own key.
        twilio.Status = r =>
        {
            if (r.Key?.EndsWith(":page-0", StringComparison.Ordinal) == true)
                Interlocked.Increment(ref attempts);
            return Volatile.Read(ref failing) ? 500 : 201;
        };
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 2, 0, 0, TimeSpan.Zero));
        var settings = twilio.Settings();
        settings["Hub:Outbox:MaxAttempts"] = "3";
        settings["Hub:Outbox:FirstRetryDelay"] = "00:00:10";
        await using var hub = new HubApp(time: time, settings: settings);
        hub.Start();
        var world = await hub.SeedWorldAsync();
        await SetPhoneAsync(hub, World.WorkerA, WorkerPhone);
        var alert = await RaiseSosAsync(hub, world, time.GetUtcNow());
        var key = $"sms:{WorkerPhone}:alert-{alert.Id}:page-0";
        var t0 = time.GetUtcNow();

        // The first attempt fails; the next is 10 s later on the hub's clock, as the row says.
        var row = await Eventually.GetAsync(() => RowAsync(hub, key), r => r is { State: OutboxState.Pending, Attempts: 1 }, what: "the first failed attempt");
        Assert.Equal((t0.AddSeconds(10), "Twilio HTTP 500, code 20500"), (row!.NextAttemptAt, row.LastError));
        Assert.Equal(1, Volatile.Read(ref attempts));

        time.Advance(TimeSpan.FromSeconds(10));
        row = await Eventually.GetAsync(() => RowAsync(hub, key), r => r is { State: OutboxState.Pending, Attempts: 2 }, what: "the second failed attempt");
        // Doubled: 20 s after the second attempt.
        Assert.Equal(t0.AddSeconds(30), row!.NextAttemptAt);

        time.Advance(TimeSpan.FromSeconds(20));
        await Eventually.GetAsync(() => RowAsync(hub, key), r => r is { State: OutboxState.Dead, Attempts: 3 }, what: "the dead letter");
        Assert.Equal(3, Volatile.Read(ref attempts));

        using var admin = await hub.AdminAsync();
        var letter = Assert.Single((await admin.GetFromJsonAsync<List<DeadLetterDto>>("/api/notifications/dead-letters"))!, l => l.IdempotencyKey == key);
        Assert.Equal(("sms", NotificationTexts.SmsPage, 3, "Twilio HTTP 500, code 20500", (long?)alert.Id), (letter.Channel, letter.EventType, letter.Attempts, letter.LastError, letter.AlertId));
        Assert.DoesNotContain(twilio.Messages, m => m.Key == key);

        Volatile.Write(ref failing, false);
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"/api/notifications/dead-letters/{letter.Id}/retry", null)).StatusCode);

        var sms = await Eventually.GetAsync(() => Task.FromResult(twilio.Messages.Where(m => m.Key == key).ToList()), m => m.Count >= 1, what: "the retried SMS");
        Assert.Single(sms);
        await Eventually.GetAsync(() => RowAsync(hub, key), r => r?.State == OutboxState.Sent, what: "the row marked sent");
        Assert.DoesNotContain((await admin.GetFromJsonAsync<List<DeadLetterDto>>("/api/notifications/dead-letters"))!, l => l.IdempotencyKey == key);
        using var staff = await hub.ClientAsync(World.Staff);
        Assert.Equal(HttpStatusCode.Forbidden, (await staff.PostAsync($"/api/notifications/dead-letters/{letter.Id}/retry", null)).StatusCode);
    }

    [Fact]
    public async Task HttpSmsChannel_AliyunShapedTemplate_ProviderGetsTheFilledRequest_SecretsNeverLogged()
    {
        const string appCode = "aliyun-appcode-secret-9f8e7d6c5b4a";
        await using var receiver = await LocalReceiver.StartAsync(_ => 200);
        var logs = new LogCapture();
        await using var hub = new HubApp(settings: new Dictionary<string, string?>
        {
            ["Hub:Notifications:Sms:Provider"] = "http",
            ["Hub:Notifications:Sms:Http:Url"] = receiver.Url + "/sms/send?out={key}",
            ["Hub:Notifications:Sms:Http:Headers:Authorization"] = "APPCODE " + appCode,
            ["Hub:Notifications:Sms:Http:BodyTemplate"] =
                """{"PhoneNumbers":"{phone}","SignName":"智慧社区","TemplateCode":"SMS_{template}","TemplateParam":{"code":"{param:code}","who":"{param:who}"},"Text":"{text}","OutId":"{key}"}""",
            ["Logging:LogLevel:Default"] = "Trace",
        })
        {
            ConfigureHost = b => b.ConfigureLogging(l => l.AddProvider(logs).AddFilter<LogCapture>(null, LogLevel.Trace)),
        };
        hub.Start();
        var world = await hub.SeedWorldAsync();
        await SetPhoneAsync(hub, World.WorkerA, WorkerPhone);

        var alert = await RaiseSosAsync(hub, world, DateTimeOffset.UtcNow);

        var request = await Eventually.GetAsync(() => Task.FromResult(receiver.Requests.FirstOrDefault(r => r.Path == "/sms/send")), r => r is not null, what: "the provider's request");
        var key = $"sms:{WorkerPhone}:alert-{alert.Id}:page-0";
        Assert.Equal("APPCODE " + appCode, request!.Headers["Authorization"]);
        var body = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal(WorkerPhone, body.GetProperty("PhoneNumbers").GetString());
        Assert.Equal("SMS_" + NotificationTexts.SmsPage, body.GetProperty("TemplateCode").GetString());
        Assert.Equal(NotificationTexts.ReplyCode(alert.Id), body.GetProperty("TemplateParam").GetProperty("code").GetString());
        Assert.Equal("Resident A", body.GetProperty("TemplateParam").GetProperty("who").GetString());
        Assert.Equal($"ALERT SOS call: Resident A, Bldg 1, Flat 101. Reply {NotificationTexts.ReplyCode(alert.Id)} to acknowledge.", body.GetProperty("Text").GetString());
        Assert.Equal(key, body.GetProperty("OutId").GetString());
        await Eventually.GetAsync(() => RowAsync(hub, key), r => r?.State == OutboxState.Sent, what: "the row marked sent");
        Assert.NotEmpty(logs.Entries);
        Assert.DoesNotContain(logs.Entries, e => e.Contains(appCode, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TwilioSecrets_HubLogsAtTrace_TokenNeverLogged()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        twilio.Status = _ => 503;
        var logs = new LogCapture();
        var settings = twilio.Settings();
        settings["Logging:LogLevel:Default"] = "Trace";
        await using var hub = new HubApp(settings: settings)
        {
            ConfigureHost = b => b.ConfigureLogging(l => l.AddProvider(logs).AddFilter<LogCapture>(null, LogLevel.Trace)),
        };
        hub.Start();
        var world = await hub.SeedWorldAsync();
        await SetPhoneAsync(hub, World.WorkerA, WorkerPhone);

        var alert = await RaiseSosAsync(hub, world, DateTimeOffset.UtcNow);

        await Eventually.GetAsync(() => RowAsync(hub, $"sms:{WorkerPhone}:alert-{alert.Id}:page-0"), r => r is { Attempts: >= 1, State: OutboxState.Pending }, what: "a failed attempt");
        // The dispatcher records the attempt, then logs it: the row can be read back a moment before the line is written.
        await Eventually.GetAsync(() => Task.FromResult(logs.Entries.Any(e => e.Contains("Twilio HTTP 503", StringComparison.Ordinal))), found => found,
            what: "the failed attempt logged");
        Assert.DoesNotContain(logs.Entries, e => e.Contains(FakeTwilio.AuthToken, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TwilioVoice_ChineseCall_TwilioGetsTwimlSayingTheTextInChinese()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        await using var hub = new HubApp(settings: twilio.Settings());
        hub.Start();
        var args = new Dictionary<string, string> { ["kind"] = "紧急呼叫", ["who"] = "王淑芬", ["place"] = "1号楼101", ["code"] = "4321" };

        await hub.Services.GetRequiredService<INotificationOutbox>().EnqueueAsync(
            [new OutgoingNotification(OutboxChannels.Voice, "someone", WorkerPhone, NotificationTexts.VoicePage, args, "zh-CN", "voice:test:1", null, true)], CancellationToken.None);

        var call = await Eventually.GetAsync(() => Task.FromResult(twilio.Calls.ToList()), c => c.Count >= 1, what: "the call at the fake Twilio");
        var twiml = Assert.Single(call).Fields["Twiml"];
        Assert.Equal((WorkerPhone, FakeTwilio.From, "voice:test:1"), (call[0].Fields["To"], call[0].Fields["From"], call[0].Key));
        Assert.Contains("<Say language=\"zh-CN\">这里是智慧社区。王淑芬，1号楼101，紧急呼叫。请打开应用，或回复短信 4321 确认。</Say>", twiml, StringComparison.Ordinal);
        await Eventually.GetAsync(() => RowAsync(hub, "voice:test:1"), r => r?.State == OutboxState.Sent, what: "the row marked sent");
    }

    [Fact]
    public async Task Enqueue_SameKeyTwiceAndInOneBatch_IsOneRow()
    {
        await using var hub = new HubApp();
        hub.Start();
        var outbox = hub.Services.GetRequiredService<INotificationOutbox>();
        var item = new OutgoingNotification(OutboxChannels.Sms, "someone", WorkerPhone, NotificationTexts.SmsPage, new Dictionary<string, string> { ["code"] = "1234" },
            "en", "sms:test:once", null, true);

        await outbox.EnqueueAsync([item, item], CancellationToken.None);
        await outbox.EnqueueAsync([item with { Language = "zh-CN" }], CancellationToken.None);

        await using var scope = hub.Services.CreateAsyncScope();
        var rows = await scope.ServiceProvider.GetRequiredService<HubDbContext>().Outbox.AsNoTracking().Where(m => m.IdempotencyKey == "sms:test:once").ToListAsync();
        Assert.Equal("en", Assert.Single(rows).Language);
    }

    internal static async Task SetPhoneAsync(HubApp hub, string email, string phone)
    {
        await using var scope = hub.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<HubUser>>();
        var user = (await users.FindByEmailAsync(email))!;
        Assert.True((await users.SetPhoneNumberAsync(user, phone)).Succeeded);
    }

    internal static Task<Alert> RaiseSosAsync(HubApp hub, World world, DateTimeOffset at, string device = "sos-o") =>
        hub.Services.GetRequiredService<AlertService>().RaiseAsync(
            new AlertSignal(device, AlertKind.Sos, Severity.Critical, "SOS button pressed", at),
            new AlertPlace(world.ResidentA, world.HouseholdA, world.GridA, world.CommunityId), CancellationToken.None);

    internal static async Task<OutboxMessage?> RowAsync(HubApp hub, string key)
    {
        await using var scope = hub.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<HubDbContext>().Outbox.AsNoTracking().SingleOrDefaultAsync(m => m.IdempotencyKey == key);
    }

    /// <summary>Every log message, with its properties and exception, as one string.</summary>
    private sealed class LogCapture : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _entries = new();

        public IReadOnlyCollection<string> Entries => _entries;

        public ILogger CreateLogger(string categoryName) => new Logger(_entries);

        public void Dispose() { }

        private sealed class Logger(ConcurrentQueue<string> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var text = new System.Text.StringBuilder(formatter(state, exception));
                if (state is IEnumerable<KeyValuePair<string, object?>> values)
                {
                    foreach (var (k, v) in values)
                        text.Append(" | ").Append(k).Append('=').Append(v);
                }
                if (exception is not null)
                    text.Append(" | ").Append(exception);
                entries.Enqueue(text.ToString());
            }
        }
    }
}
