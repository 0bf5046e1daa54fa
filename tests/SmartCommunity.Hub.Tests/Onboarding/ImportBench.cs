using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using SmartCommunity.Hub.Onboarding;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// A generated community for bulk onboarding (docs/benchmarks.md, "Bulk onboarding"): 3,000 households in 30 grids,
/// 4,000 residents (every household one, every third a second), 12,000 devices (per household an SOS button and a
/// wearable for its first resident, a smoke detector in the kitchen and a door sensor). Rows are the files an
/// administrator would write, natural keys only, so they import into any hub.
/// </summary>
public static class GeneratedCommunity
{
    public const string Community = "阳光社区";

    public static (IReadOnlyList<string> Columns, List<IReadOnlyList<string?>> Rows) Households(int households)
    {
        var rows = new List<IReadOnlyList<string?>>(households);
        for (var h = 0; h < households; h++)
            rows.Add([Community, Grid(h), Address(h)]);
        return (["community", "grid", "address"], rows);
    }

    public static (IReadOnlyList<string> Columns, List<IReadOnlyList<string?>> Rows) Residents(int households, int residents)
    {
        var rows = new List<IReadOnlyList<string?>>(residents);
        for (var r = 0; r < residents; r++)
        {
            // The first `households` residents live one per household; the rest are second residents, every third household.
            var h = r < households ? r : (r - households) * 3 % households;
            rows.Add([ResidentId(r), Community, Address(h), $"居民{r + 1:00000}", (1930 + r % 25).ToString(CultureInfo.InvariantCulture), r % 7 == 0 ? "yes" : "no", null]);
        }
        return (["external_id", "community", "address", "name", "birth_year", "special_difficulty", "notes"], rows);
    }

    public static (IReadOnlyList<string> Columns, List<IReadOnlyList<string?>> Rows) Devices(int households)
    {
        var rows = new List<IReadOnlyList<string?>>(households * 4);
        for (var h = 0; h < households; h++)
        {
            rows.Add([$"sos-{h:00000}", "sos", "Home", null, null, null, ResidentId(h), null]);
            rows.Add([$"wear-{h:00000}", "wearable", null, null, null, null, ResidentId(h), null]);
            rows.Add([$"smk-{h:00000}", "smoke", "Kitchen", "厨房", Community, Address(h), null, null]);
            rows.Add([$"door-{h:00000}", "door", "Home", "入户门", Community, Address(h), null, null]);
        }
        return (["device_id", "kind", "location", "label", "community", "address", "resident", "grid"], rows);
    }

    private static string Grid(int household) => $"第{household / 100 + 1}网格";

    private static string Address(int household) => $"{household / 20 + 1}号楼 {household % 20 / 4 + 1}单元 {household % 4 + 1}0{household % 3 + 1}室";

    private static string ResidentId(int resident) => $"R-{resident + 1:00000}";
}

/// <summary>
/// Measurement, not a test (skipped unless SC_BENCH_IMPORT is set; run by <c>scripts/bench-import</c>): dry run and
/// apply of the generated community (<see cref="GeneratedCommunity"/>) through <c>POST /api/onboarding/{kind}</c> on the
/// running hub, per kind, for CSV and for XLSX (each format into a fresh hub), then the same file again (all unchanged).
/// The store is SQLite, or PostgreSQL with SC_HUB_DB=postgres. Times are the administrator's: upload, read, check,
/// write, response. Writes one Markdown table to $SC_BENCH_IMPORT_OUT; SC_BENCH_IMPORT_FILES=dir keeps the files.
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class ImportBench
{
    [Fact]
    public async Task Import_GeneratedCommunity_DryRunAndApplyTimes()
    {
        var setting = Environment.GetEnvironmentVariable("SC_BENCH_IMPORT");
        if (string.IsNullOrEmpty(setting))
            Assert.Skip("a measurement: scripts/bench-import runs it");
        var sizes = setting.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var (households, residents) = sizes.Length == 2 ? (sizes[0], sizes[1]) : (3000, 4000);
        var files = new (string Kind, (IReadOnlyList<string> Columns, List<IReadOnlyList<string?>> Rows) Table)[]
        {
            ("households", GeneratedCommunity.Households(households)),
            ("residents", GeneratedCommunity.Residents(households, residents)),
            ("devices", GeneratedCommunity.Devices(households)),
        };
        var store = ClusterServers.HubOnPostgres ? "PostgreSQL" : "SQLite";
        var keep = Environment.GetEnvironmentVariable("SC_BENCH_IMPORT_FILES");
        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"Store: {store}; {households:N0} households, {residents:N0} residents, {households * 4:N0} devices")
            .AppendLine()
            .AppendLine("| kind | rows | format | file | dry run | apply | same file again |")
            .AppendLine("|---|---:|---|---:|---:|---:|---:|");
        foreach (var format in new[] { "csv", "xlsx" })
        {
            await using var hub = new HubApp(settings: new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning" });
            hub.Start();
            using var admin = await hub.AdminAsync();
            admin.Timeout = TimeSpan.FromMinutes(10);
            // Warm-up, not measured: the first request pays for JIT, the first connections and the reader's start-up.
            var (warmColumns, warmRows) = files[0].Table;
            await TimedAsync(admin, "households", format, format == "csv" ? ImportFiles.Csv(warmColumns, warmRows) : ImportFiles.Xlsx(warmColumns, warmRows), dryRun: true);
            foreach (var (kind, (columns, rows)) in files)
            {
                var bytes = format == "csv" ? ImportFiles.Csv(columns, rows) : ImportFiles.Xlsx(columns, rows);
                if (!string.IsNullOrEmpty(keep))
                {
                    Directory.CreateDirectory(keep);
                    await File.WriteAllBytesAsync(Path.Combine(keep, $"{kind}.{format}"), bytes);
                }
                var (dry, dryReport) = await TimedAsync(admin, kind, format, bytes, dryRun: true);
                var (apply, applied) = await TimedAsync(admin, kind, format, bytes, dryRun: false);
                var (again, unchanged) = await TimedAsync(admin, kind, format, bytes, dryRun: false);
                Assert.Equal((rows.Count, 0), (dryReport.Created, dryReport.Problems.Count));
                Assert.Equal(rows.Count, applied.Created);
                Assert.Equal(rows.Count, unchanged.Unchanged);
                table.AppendLine(CultureInfo.InvariantCulture,
                    $"| {kind} | {rows.Count:N0} | {format.ToUpperInvariant()} | {bytes.Length / 1024.0:N0} KiB | {dry.TotalSeconds:0.00} s | {apply.TotalSeconds:0.00} s | {again.TotalSeconds:0.00} s |");
            }
        }
        var text = table.ToString();
        TestContext.Current.SendDiagnosticMessage(text);
        if (Environment.GetEnvironmentVariable("SC_BENCH_IMPORT_OUT") is { Length: > 0 } output)
            await File.AppendAllTextAsync(output, text + Environment.NewLine);
    }

    private static async Task<(TimeSpan Took, ImportReportDto Report)> TimedAsync(HttpClient http, string kind, string format, byte[] bytes, bool dryRun)
    {
        using var form = new MultipartFormDataContent();
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(format == "xlsx" ? ImportFiles.XlsxType : ImportFiles.CsvType);
        form.Add(content, "file", $"{kind}.{format}");
        var started = Stopwatch.GetTimestamp();
        using var response = await http.PostAsync($"/api/onboarding/{kind}?dryRun={(dryRun ? "true" : "false")}", form);
        var body = await response.Content.ReadAsStringAsync();
        var took = Stopwatch.GetElapsedTime(started);
        Assert.True(response.IsSuccessStatusCode, $"{kind}.{format} dryRun={dryRun}: {(int)response.StatusCode} {body[..Math.Min(body.Length, 2000)]}");
        return (took, JsonSerializer.Deserialize<ImportReportDto>(body, JsonSerializerOptions.Web)!);
    }
}
