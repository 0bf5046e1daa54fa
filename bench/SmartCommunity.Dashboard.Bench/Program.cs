using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Testing;

// The dashboard benchmark (docs/dashboard-benchmark.md): measures and reports, never asserts timings.
if (args is ["--help" or "-h"])
{
    Console.WriteLine(SmartCommunity.Dashboard.Bench.DashboardBenchOptions.Usage);
    return 0;
}
SmartCommunity.Dashboard.Bench.DashboardBenchOptions options;
try
{
    options = SmartCommunity.Dashboard.Bench.DashboardBenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(SmartCommunity.Dashboard.Bench.DashboardBenchOptions.Usage);
    return 2;
}
return await SmartCommunity.Dashboard.Bench.DashboardBenchmark.RunAsync(options);

namespace SmartCommunity.Dashboard.Bench
{
    /// <summary>
    /// A staff board holds N open alerts (default 1,000), then SOS devices raise one alert each at R per second (default
    /// 100) over MQTT for D seconds (default 10). For every new alert it measures the time from the device's publish to the
    /// card being in the page, and whether the page keeps up. Prints a report and one summary line (key=value); the exit
    /// code says whether the page kept up (0) or not (1).
    ///
    ///   cd dashboard &amp;&amp; npm run build &amp;&amp; cd .. &amp;&amp;
    ///   dotnet run --project bench/SmartCommunity.Dashboard.Bench -c Release -- [--open N] [--rate R] [--duration D]
    /// </summary>
    internal static class DashboardBenchmark
    {

        // Records when each card enters the page: a MutationObserver in the page, installed before the app starts.
        private const string Recorder = """
            window.__seen = {};
            window.__recv = {};
            window.__busy = 0;
            // When each AlertRaised arrives on the SignalR WebSocket (JSON protocol: records end with 0x1e).
            const NativeWebSocket = window.WebSocket;
            window.WebSocket = class extends NativeWebSocket {
              constructor(...args) {
                super(...args);
                this.addEventListener('message', e => {
                  if (typeof e.data !== 'string') return;
                  const now = Date.now();
                  for (const part of e.data.split('\x1e')) {
                    if (!part.includes('AlertRaised')) continue;
                    try { const m = JSON.parse(part); const id = m.arguments[0].id; if (!(id in window.__recv)) window.__recv[id] = now; } catch { }
                  }
                });
              }
            };
            try {
              new PerformanceObserver(list => { for (const e of list.getEntries()) window.__busy += e.duration; }).observe({ type: 'longtask', buffered: true });
            } catch { }
            new MutationObserver(records => {
              const now = Date.now();
              for (const r of records) for (const n of r.addedNodes) {
                if (!(n instanceof Element)) continue;
                const cards = n.matches('[data-testid=alert-card]') ? [n] : n.querySelectorAll('[data-testid=alert-card]');
                for (const c of cards) { const id = c.dataset.alertId; if (id && !(id in window.__seen)) window.__seen[id] = now; }
              }
            }).observe(document, { childList: true, subtree: true });
            """;

        public static async Task<int> RunAsync(DashboardBenchOptions options)
        {
            var openCount = options.Open;
            var burst = options.Burst;
            var perSecond = options.Rate;
            // The box is shared: the load average before and after says how comparable a run is.
            var loadBefore = LoadAverage();
            // The set-up registers a thousand devices through the API in a few seconds: the per-person request limit (a policy
            // against a misbehaving client) is off, as in scripts/bench.
            await using var hub = new HubApp(settings: new Dictionary<string, string?> { ["Hub:RateLimits:Enabled"] = "false" }).Start();
            var world = await hub.SeedWorldAsync();
            await using var browser = await DashboardBrowser.LaunchAsync();

            // 1. The standing load: N open alerts (raised in-process; not measured).
            var alerts = hub.Services.GetRequiredService<AlertService>();
            for (var i = 0; i < openCount; i++)
            {
                var severity = (i % 10) switch { 0 => Severity.Critical, < 4 => Severity.High, _ => Severity.Warning };
                await alerts.RaiseAsync(new AlertSignal($"base-{i:0000}", AlertKind.TemperatureLow, severity, "standing load", DateTimeOffset.UtcNow),
                    new AlertPlace(null, i % 2 == 0 ? world.HouseholdA : world.HouseholdB, i % 2 == 0 ? world.GridA : world.GridB, world.CommunityId), default);
            }

            // 2. The burst devices: registered and connected before the clock starts.
            // One admin session for all of them, not a sign-in (PBKDF2) per device.
            var devices = new List<(DeviceCredentials Creds, IMqttClient Client)>();
            using (var admin = await hub.AdminAsync())
            {
                for (var i = 0; i < burst; i++)
                {
                    var response = await admin.PostAsJsonAsync("/api/devices",
                        new RegisterDeviceRequest("sos", $"burst-{i:0000}", null, null, i % 2 == 0 ? world.HouseholdA : world.HouseholdB, null, null));
                    response.EnsureSuccessStatusCode();
                    var creds = (await response.Content.ReadFromJsonAsync<DeviceCredentials>())!;
                    devices.Add((creds, await hub.ConnectDeviceAsync(creds)));
                }
            }

            // 3. The board: first load of N cards.
            var context = await browser.Browser.NewContextAsync(new() { ViewportSize = DashboardBrowser.Desktop, Locale = "en-US" });
            await context.AddInitScriptAsync(Recorder);
            var page = await context.NewPageAsync();
            var loadStart = Stopwatch.StartNew();
            await page.GotoAsync(hub.BaseAddress.ToString());
            await page.GetByTestId("login-email").FillAsync(World.Staff);
            await page.GetByTestId("login-password").FillAsync(HubApp.Password);
            var signInAt = loadStart.Elapsed;
            await page.GetByTestId("login-submit").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=alert-card]")).ToHaveCountAsync(openCount, new() { Timeout = 120_000 });
            var firstLoad = loadStart.Elapsed - signInAt;

            // 4. The burst: publish i at start + i/rate s, each from its own device, without waiting for the previous one.
            // SC_PROFILE=<file>: a V8 CPU profile of the page over the burst (open it in Chrome DevTools, Performance).
            var profilePath = Environment.GetEnvironmentVariable("SC_PROFILE");
            ICDPSession? cdp = null;
            if (!string.IsNullOrEmpty(profilePath))
            {
                cdp = await context.NewCDPSessionAsync(page);
                await cdp.SendAsync("Profiler.enable");
                await cdp.SendAsync("Profiler.start");
            }
            var tracePath = Environment.GetEnvironmentVariable("SC_TRACE");
            ICDPSession? tracing = null;
            var traceChunks = new List<string>();
            var traceDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!string.IsNullOrEmpty(tracePath))
            {
                tracing = await context.NewCDPSessionAsync(page);
                tracing.Event("Tracing.dataCollected").OnEvent += (_, e) => { lock (traceChunks) traceChunks.Add(e!.Value.GetProperty("value").GetRawText()); };
                tracing.Event("Tracing.tracingComplete").OnEvent += (_, _) => traceDone.TrySetResult();
                await tracing.SendAsync("Tracing.start", new Dictionary<string, object> { ["categories"] = Environment.GetEnvironmentVariable("SC_TRACE_CATEGORIES") ?? "devtools.timeline,disabled-by-default-devtools.timeline", ["transferMode"] = "ReportEvents" });
            }
            var busyBefore = await page.EvaluateAsync<double>("() => window.__busy");
            var published = new long[burst];
            var acked = new long[burst];
            var start = DateTimeOffset.UtcNow.AddMilliseconds(200);
            var sends = devices.Select(async (d, i) =>
            {
                var due = start.AddMilliseconds(i * 1000.0 / perSecond);
                var wait = due - DateTimeOffset.UtcNow;
                if (wait > TimeSpan.Zero)
                    await Task.Delay(wait);
                published[i] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                await d.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{d.Creds.Device.Id}/up")
                    .WithPayload(Senml.Sos(d.Creds.Device.Id, 1)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
                // The hub acknowledges (PUBACK) after the alert is stored and handed to SignalR.
                acked[i] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            }).ToList();
            await Task.WhenAll(sends);
            var lastPublish = published.Max();
            var keptUp = true;
            try
            {
                await Assertions.Expect(page.Locator("[data-testid=alert-card]")).ToHaveCountAsync(openCount + burst, new() { Timeout = 300_000 });
            }
            catch (PlaywrightException)
            {
                keptUp = false;
            }

            var busyDuring = await page.EvaluateAsync<double>("() => window.__busy") - busyBefore;
            if (tracing is not null)
            {
                await tracing.SendAsync("Tracing.end");
                await traceDone.Task.WaitAsync(TimeSpan.FromSeconds(120));
                string trace;
                lock (traceChunks)
                    trace = "[" + string.Join(",", traceChunks.Select(c => c.Trim()[1..^1]).Where(c => c.Length > 0)) + "]";
                await File.WriteAllTextAsync(tracePath!, trace);
            }
            if (cdp is not null)
            {
                var profile = await cdp.SendAsync("Profiler.stop");
                await File.WriteAllTextAsync(profilePath!, profile?.GetProperty("profile").GetRawText());
            }
            var burstWindow = Math.Max(1, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - published.Min());

            // 5. Publish → visible per alert.
            var seen = await page.EvaluateAsync<Dictionary<string, long>>("() => window.__seen");
            var received = await page.EvaluateAsync<Dictionary<string, long>>("() => window.__recv");
            var transit = new List<double>();
            var render = new List<double>();
            using var api = await hub.ClientAsync(World.Staff);
            var open = await api.GetFromJsonAsync<List<AlertDto>>("/api/alerts?status=open&limit=1000");
            var burstAlerts = open!.Where(a => a.DeviceId.StartsWith("burst-", StringComparison.Ordinal)).ToDictionary(a => a.DeviceId);
            var byDevice = burstAlerts.ToDictionary(kv => kv.Key, kv => kv.Value.Id);
            var latencies = new List<double>();
            // The split: publish → PUBACK (the hub decoded it, stored the alert and handed it to SignalR), PUBACK → card in the page.
            var hubPart = new List<double>();
            var pagePart = new List<double>();
            var missing = 0;
            for (var i = 0; i < burst; i++)
            {
                if (burstAlerts.TryGetValue($"burst-{i:0000}", out var alert) && seen.TryGetValue(alert.Id.ToString(CultureInfo.InvariantCulture), out var at))
                {
                    latencies.Add(at - published[i]);
                    hubPart.Add(acked[i] - published[i]);
                    pagePart.Add(at - acked[i]);
                    if (received.TryGetValue(alert.Id.ToString(CultureInfo.InvariantCulture), out var got))
                    {
                        transit.Add(got - acked[i]);
                        render.Add(at - got);
                    }
                }
                else
                    missing++;
            }
            latencies.Sort();
            hubPart.Sort();
            pagePart.Sort();
            transit.Sort();
            render.Sort();
            static double Pct(List<double> sorted, double q) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
            double P(double q) => Pct(latencies, q);
            var lastSeen = seen.Values.Max();
            var firstHalf = latencies.Count > 0 ? Median(published.Take(burst / 5).Select((p, i) => Latency(i))) : double.NaN;
            var lastFifth = latencies.Count > 0 ? Median(published.Skip(burst - burst / 5).Select((p, i) => Latency(burst - burst / 5 + i))) : double.NaN;
            double Latency(int i) => byDevice.TryGetValue($"burst-{i:0000}", out var id) && seen.TryGetValue(id.ToString(CultureInfo.InvariantCulture), out var at) ? at - published[i] : double.NaN;
            var publishSpan = (lastPublish - published.Min()) / 1000.0;

            var report = new StringBuilder();
            report.AppendLine("# Dashboard benchmark: publish → visible on the staff board");
            report.AppendLine();
            report.AppendLine(CultureInfo.InvariantCulture, $"A staff board (Debian Chromium, headless, 1366×860) holds {openCount} open alerts; then {burst} SOS devices raise one alert each over MQTT, {perSecond} per second for {options.Duration.TotalSeconds:0} s. For every new alert: the time from the device's MQTT publish (QoS 1) to its card being inserted into the page (a MutationObserver in the page; the card is painted in that frame), split at the hub's PUBACK and at the message's arrival on the browser's WebSocket. The hub (with escalation paging: every unacknowledged critical alert is re-paged every 30 s, which pushes an AlertUpdated), the {burst} MQTT clients and the browser share one machine.");
            report.AppendLine();
            report.AppendLine("Run it (not part of CI):");
            report.AppendLine();
            report.AppendLine("```sh");
            report.AppendLine("cd dashboard && npm ci && npm run build && cd ..");
            report.AppendLine(CultureInfo.InvariantCulture, $"dotnet run --project bench/SmartCommunity.Dashboard.Bench -c Release -- --open {openCount} --rate {perSecond} --duration {options.Duration.TotalSeconds:0}");
            report.AppendLine("```");
            report.AppendLine();
            report.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, {DateTimeOffset.UtcNow:yyyy-MM-dd}.");
            report.AppendLine();
            report.AppendLine("| figure | value |");
            report.AppendLine("| --- | --- |");
            report.AppendLine(CultureInfo.InvariantCulture, $"| first load of {openCount} open alerts (sign-in click → {openCount} cards) | {firstLoad.TotalMilliseconds:0} ms |");
            report.AppendLine(CultureInfo.InvariantCulture, $"| burst published | {burst} alerts in {publishSpan:0.0} s ({burst / Math.Max(publishSpan, 0.001):0} /s) |");
            report.AppendLine(CultureInfo.InvariantCulture, $"| publish → visible p50 | {P(0.50):0} ms |");
            report.AppendLine(CultureInfo.InvariantCulture, $"| publish → visible p99 | {P(0.99):0} ms |");
            report.AppendLine(CultureInfo.InvariantCulture, $"| publish → visible max | {(latencies.Count > 0 ? latencies[^1] : double.NaN):0} ms |");
            report.AppendLine(CultureInfo.InvariantCulture, $"| of which publish → PUBACK (hub: decode, rules, alert stored, pushed), p50 / p99 | {Pct(hubPart, 0.5):0} / {Pct(hubPart, 0.99):0} ms |");
            report.AppendLine(CultureInfo.InvariantCulture, $"| of which PUBACK → visible in the page (SignalR, render), p50 / p99 | {Pct(pagePart, 0.5):0} / {Pct(pagePart, 0.99):0} ms |");
            report.AppendLine(CultureInfo.InvariantCulture, $"| … PUBACK → message on the browser's WebSocket, p50 / p99 | {Pct(transit, 0.5):0} / {Pct(transit, 0.99):0} ms |");
            report.AppendLine(CultureInfo.InvariantCulture, $"| … WebSocket message → card in the DOM (store, next frame), p50 / p99 | {Pct(render, 0.5):0} / {Pct(render, 0.99):0} ms |");
            report.AppendLine(CultureInfo.InvariantCulture, $"| median latency, first vs last fifth of the burst | {firstHalf:0} ms vs {lastFifth:0} ms |");
            report.AppendLine(CultureInfo.InvariantCulture, $"| last publish → last card visible | {lastSeen - lastPublish} ms |");
            report.AppendLine(CultureInfo.InvariantCulture, $"| page main thread in long tasks (> 50 ms) during the burst | {busyDuring:0} ms of {burstWindow} ms ({100 * busyDuring / burstWindow:0} %) |");
            var loadAfter = LoadAverage();
            var onBoard = await page.Locator("[data-testid=alert-card]").CountAsync();
            var pageKeptUp = keptUp && missing == 0 && lastFifth <= Math.Max(1.5 * firstHalf, firstHalf + 250) && lastSeen - lastPublish <= 5000;
            report.AppendLine(CultureInfo.InvariantCulture, $"| load average before / at the end (other work on the machine) | {loadBefore} / {loadAfter} |");
            report.AppendLine(CultureInfo.InvariantCulture, $"| alerts on the board at the end | {onBoard} of {openCount + burst} ({missing} not seen) |");
            report.AppendLine(CultureInfo.InvariantCulture, $"| page keeps up | {(pageKeptUp ? "yes: every alert shown, latency does not grow during the burst, the board is current within 5 s of the last publish" : "no: every alert arrives, but latency grows during the burst (see the split above)")} |");
            report.AppendLine();
            report.AppendLine("How the board keeps up: pushes go into the store at once, and the list is re-rendered at most once per animation frame (a board of more than 200 cards at most every 100 ms; cards are keyed by id and moved only when their position changes), so a burst costs one DOM pass per frame, not one per alert. A card's forms (dispatch, comment, resolve) are built when first opened and are in the document only while open: Chromium's autofill re-scans every form on the page after DOM changes.");
            report.AppendLine();
            report.AppendLine("Profiling (a V8 CPU profile or a Chromium trace of the page over the burst): `SC_PROFILE=/tmp/board.cpuprofile` or `SC_TRACE=/tmp/board.trace.json` (categories in `SC_TRACE_CATEGORIES`, default `devtools.timeline`) with the command above; `SC_NO_MINIFY=1 npm run build` in dashboard/ keeps function names readable.");
            Console.WriteLine(report.ToString());
            if (options.ReportPath is { } reportPath)
                await File.WriteAllTextAsync(reportPath, report.ToString());
            // One line for scripts and the history: every figure of the table above, key=value, no spaces in values.
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"dashboard-bench open={openCount} rate={perSecond} duration_s={options.Duration.TotalSeconds:0} burst={burst} " +
                $"first_load_ms={firstLoad.TotalMilliseconds:0} publish_span_s={publishSpan:0.0} " +
                $"p50_ms={P(0.50):0} p99_ms={P(0.99):0} max_ms={(latencies.Count > 0 ? latencies[^1] : double.NaN):0} " +
                $"puback_p50_ms={Pct(hubPart, 0.5):0} puback_p99_ms={Pct(hubPart, 0.99):0} " +
                $"ws_p50_ms={Pct(transit, 0.5):0} ws_p99_ms={Pct(transit, 0.99):0} dom_p50_ms={Pct(render, 0.5):0} dom_p99_ms={Pct(render, 0.99):0} " +
                $"first_fifth_p50_ms={firstHalf:0} last_fifth_p50_ms={lastFifth:0} drain_ms={lastSeen - lastPublish} " +
                $"longtask_pct={100 * busyDuring / burstWindow:0} on_board={onBoard} missing={missing} kept_up={(pageKeptUp ? 1 : 0)} " +
                $"load_before={loadBefore} load_after={loadAfter}"));

            foreach (var (_, client) in devices)
                client.Dispose();
            return keptUp && missing == 0 ? 0 : 1;
        }

        private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

        private static double Median(IEnumerable<double> values)
        {
            var sorted = values.Where(v => !double.IsNaN(v)).Order().ToList();
            return sorted.Count == 0 ? double.NaN : sorted[sorted.Count / 2];
        }
    }
}
