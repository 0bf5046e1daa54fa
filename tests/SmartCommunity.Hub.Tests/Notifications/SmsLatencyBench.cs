using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// Measurement, not a test (skipped unless SC_BENCH_SMS is set; run by <c>scripts/bench-sms</c>): the time from an alert's
/// raise (AlertService.RaiseAsync called) to its first SMS handed to the provider (the fake Twilio on 127.0.0.1 has read
/// the request), over many alerts, through the real path: the alert committed, the escalation step on Quartz, the page
/// enqueued in the outbox (SQLite), the dispatcher woken, the text rendered, the real Twilio client's HTTP POST.
/// Writes p50/p90/p99/max to stdout and to $SC_BENCH_SMS_OUT.
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class SmsLatencyBench
{
    [Fact]
    public async Task RaiseToFirstSms_ManyAlerts_Percentiles()
    {
        var setting = Environment.GetEnvironmentVariable("SC_BENCH_SMS");
        if (string.IsNullOrEmpty(setting))
            Assert.Skip("a measurement: scripts/bench-sms runs it");
        var count = int.TryParse(setting, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 1 ? n : 1000;
        var interval = TimeSpan.FromMilliseconds(int.TryParse(Environment.GetEnvironmentVariable("SC_BENCH_SMS_INTERVAL_MS"), out var ms) ? ms : 50);
        await using var twilio = await FakeTwilio.StartAsync();
        var arrived = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        twilio.Accepted = r => arrived.TryAdd(r.Key ?? "", Stopwatch.GetTimestamp());
        var settings = twilio.Settings();
        settings["Logging:LogLevel:Default"] = "Warning";
        await using var hub = new HubApp(settings: settings);
        hub.Start();
        var world = await hub.SeedWorldAsync();
        await OutboxTests.SetPhoneAsync(hub, World.WorkerA, "+8613800138000");

        // Warm-up: the first alert pays for JIT and connection set-up.
        var warm = await OutboxTests.RaiseSosAsync(hub, world, DateTimeOffset.UtcNow, "bench-warm");
        await Eventually.GetAsync(() => Task.FromResult(arrived.ContainsKey($"sms:+8613800138000:alert-{warm.Id}:page-0")), x => x, timeout: TimeSpan.FromSeconds(60), what: "the warm-up SMS");

        var raised = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var started = Stopwatch.GetTimestamp();
        var raises = new List<Task>();
        for (var i = 0; i < count; i++)
        {
            var device = $"bench-{i}";
            raises.Add(Task.Run(async () =>
            {
                var t = Stopwatch.GetTimestamp();
                var alert = await OutboxTests.RaiseSosAsync(hub, world, DateTimeOffset.UtcNow, device);
                raised[$"sms:+8613800138000:alert-{alert.Id}:page-0"] = t;
            }));
            // Paced: latency at a steady rate, not the queue of a burst.
            var due = started + (long)((i + 1) * interval.TotalSeconds * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
                await Task.Delay(wait);
        }
        await Task.WhenAll(raises);
        await Eventually.GetAsync(() => Task.FromResult(raised.Keys.Count(arrived.ContainsKey)), c => c == count, timeout: TimeSpan.FromMinutes(5), what: "every SMS");

        var latencies = raised.Select(r => Stopwatch.GetElapsedTime(r.Value, arrived[r.Key]).TotalMilliseconds).Order().ToList();
        double P(double q) => latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(q * latencies.Count) - 1)];
        var line = string.Create(CultureInfo.InvariantCulture,
            $"raise -> first SMS at the provider: {count} alerts, one every {interval.TotalMilliseconds:0} ms: p50 {P(0.50):0.0} ms, p90 {P(0.90):0.0} ms, p99 {P(0.99):0.0} ms, max {latencies[^1]:0.0} ms");
        // Where the time goes, from the rows (hub clock): raise → row enqueued (alert stored, listeners, Quartz step, paging),
        // and row enqueued → marked sent (dispatcher wake-up, claim, Twilio call, the write that marks it).
        await using (var scope = hub.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
            // First pages only: later steps page again, 30 s and more after the raise, by design.
            var rows = await db.Outbox.AsNoTracking().Where(m => m.Channel == "sms" && m.SentAt != null && m.IdempotencyKey.EndsWith(":page-0")).ToListAsync();
            var alerts = await db.Alerts.AsNoTracking().ToDictionaryAsync(a => a.Id, a => a.RaisedAt);
            var enqueue = rows.Where(r => r.AlertId is { } id && alerts.ContainsKey(id)).Select(r => (r.CreatedAt - alerts[r.AlertId!.Value]).TotalMilliseconds).Order().ToList();
            var send = rows.Select(r => (r.SentAt!.Value - r.CreatedAt).TotalMilliseconds).Order().ToList();
            double Q(List<double> l, double q) => l[Math.Min(l.Count - 1, (int)Math.Ceiling(q * l.Count) - 1)];
            line += string.Create(CultureInfo.InvariantCulture,
                $"\n  of which raise -> outbox row: p50 {Q(enqueue, 0.5):0.0} ms, p99 {Q(enqueue, 0.99):0.0} ms; outbox row -> sent: p50 {Q(send, 0.5):0.0} ms, p99 {Q(send, 0.99):0.0} ms");
        }
        Console.WriteLine(line);
        if (Environment.GetEnvironmentVariable("SC_BENCH_SMS_OUT") is { Length: > 0 } path)
            await File.WriteAllTextAsync(path, line + Environment.NewLine);
        Assert.Equal(count, latencies.Count);
    }
}
