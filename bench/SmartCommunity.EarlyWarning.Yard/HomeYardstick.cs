using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using SmartCommunity.EarlyWarning.Ml;
using SmartCommunity.EarlyWarning.Nab;
using SmartCommunity.EarlyWarning.Streaming;

namespace SmartCommunity.EarlyWarning.Yard;

/// <summary>An alert the hub would raise: the device it is raised on and the finding.</summary>
public sealed record HomeAlert(string DeviceId, Finding Finding)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Finding.At:MM-dd HH:mm} {DeviceId} {Finding.Kind}: {Finding.Explanation}");
}

/// <summary>One file's run: every alert, which windows were detected, and which alerts were false (outside every
/// event) or late (after a window, during the event's after-effects).</summary>
public sealed record HomeFileResult(HomeFile File, IReadOnlyList<HomeAlert> Alerts, int VerdictsGiven = 0, int VerdictsApplied = 0)
{
    /// <summary>Routine alerts ("not up", "inactive", "door opened at night") among the false alarms.</summary>
    public int RoutineVerdicts => FalseAlarms.Count(a => HomeYardstick.ResidentOf(a.Finding) is not null);

    public bool Detected(HomeWindow w) => Alerts.Any(a => a.Finding.At >= w.Start && a.Finding.At <= w.End);

    public IEnumerable<HomeAlert> FalseAlarms => Alerts.Where(a => !File.Windows.Any(w => a.Finding.At >= w.Start && a.Finding.At <= w.Over));

    public IEnumerable<HomeAlert> Late => Alerts.Where(a => File.Windows.Any(w => a.Finding.At > w.End && a.Finding.At <= w.Over)
                                                             && !File.Windows.Any(w => a.Finding.At >= w.Start && a.Finding.At <= w.End));

    /// <summary>NAB input: one row per 5 minutes, 1 where an alert was raised, the windows as row ranges.</summary>
    public NabFile ToNab()
    {
        var rows = (int)((File.End - File.Start) / HomeScenarios.Step);
        var scores = new double[rows];
        foreach (var a in Alerts)
            scores[Row(a.Finding.At, rows)] = 1;
        return new NabFile($"{File.Category}/{File.Name}", scores, [.. File.Windows.Select(w => new NabWindow(Row(w.Start, rows), Row(w.End, rows)))]);
    }

    private int Row(DateTimeOffset at, int rows) => Math.Clamp((int)((at - File.Start) / HomeScenarios.Step), 0, rows - 1);
}

/// <summary>
/// Runs home files through the hub's <see cref="EarlyWarningEngine"/> exactly as the hub routes readings (the same
/// <see cref="EarlyWarningEngine.Observe"/>: PIR and door to the resident's routine, temperature, humidity and gas to the
/// streaming detector and the watches), with the hub's clock ticks (every 60 s) and its model schedule: a first model as
/// soon as a series' history is long enough (looked at every 10 min, doubling back-off), retrained nightly at 03:30 local
/// on up to 28 days. Every finding is an alert (the hub folds repeats into an open alert, so this counts at most as many
/// as the board shows). Feedback replays the hub's "false alarm" verdicts (anomalies: <see cref="EarlyWarningEngine.FalseAlarmOnDevice"/>,
/// watches: the engine's feedback gate).
/// </summary>
public static class HomeYardstick
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan FirstTrainCheck = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromDays(1);
    private static readonly TimeSpan TrainingSpan = TimeSpan.FromDays(28);
    private static readonly TimeSpan RetrainAt = new(3, 30, 0);
    private const int MaxTrainingPoints = 50_000;

    /// <summary>Runs one file on a fresh hub. <paramref name="feedback"/>: alerts staff mark "false alarm" as soon as they
    /// are raised (from an earlier pass); the verdict is applied at the worker's next tick, as the hub does.</summary>
    public static HomeFileResult Run(HomeFile file, bool useMl, IReadOnlyList<HomeAlert>? feedback = null)
    {
        var engine = EarlyWarningEngine.ForZone(HomeScenarios.Zone);
        var ml = useMl ? new MLContext(seed: 1) : null;
        var history = new Dictionary<string, List<(DateTimeOffset At, double Value)>>(StringComparer.Ordinal);
        var backoff = new Dictionary<string, (DateTimeOffset At, TimeSpan Wait)>(StringComparer.Ordinal);
        var verdicts = new Queue<HomeAlert>((feedback ?? []).OrderBy(a => a.Finding.At));
        int given = 0, applied = 0;
        var alerts = new List<HomeAlert>();
        var findings = new List<Finding>();
        string? residentDevice = null;
        var nextTick = file.Start + Tick;
        var nextCheck = file.Start + FirstTrainCheck;
        var nextRetrain = NextLocal(file.Start, RetrainAt);

        void Raise(string? device)
        {
            foreach (var f in findings)
            {
                var on = device ?? (ResidentOf(f) is not null ? residentDevice : f.SeriesId[..f.SeriesId.LastIndexOf('/')]);
                if (on is not null)
                    alerts.Add(new HomeAlert(on, f));
            }
            findings.Clear();
        }

        void Train(string seriesId, DateTimeOffset now)
        {
            if (!history.TryGetValue(seriesId, out var h) || engine.Detector(seriesId) is not { } detector)
                return;
            var from = h.FindIndex(p => p.At >= now - TrainingSpan);
            var model = PcaWindowTrainer.Train(ml!, h.Skip(from).Take(MaxTrainingPoints).Select(p => p.Value), DetectorOptions.Default,
                now.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture));
            if (model is not null)
                detector.UseModel(model);
            else if (detector.Model is null)
                backoff[seriesId] = (now + Next(backoff.GetValueOrDefault(seriesId).Wait), Next(backoff.GetValueOrDefault(seriesId).Wait));
        }

        void Until(DateTimeOffset at)
        {
            while (nextTick <= at)
            {
                var now = nextTick;
                if (ml is not null && now >= nextCheck)
                {
                    nextCheck += FirstTrainCheck;
                    foreach (var id in engine.SeriesIds.Where(id => engine.Detector(id)!.Model is null).ToList())
                    {
                        if (!backoff.TryGetValue(id, out var wait) || now >= wait.At)
                            Train(id, now);
                    }
                }
                if (ml is not null && now >= nextRetrain)
                {
                    nextRetrain = nextRetrain.AddDays(1);
                    foreach (var id in engine.SeriesIds.ToList())
                        Train(id, now);
                }
                engine.Tick(now, findings);
                Raise(null);
                while (verdicts.TryPeek(out var v) && v.Finding.At < now)
                {
                    given++;
                    applied += Verdict(engine, verdicts.Dequeue(), now) ? 1 : 0;
                }
                nextTick += Tick;
            }
        }

        foreach (var (source, record) in file.Readings)
        {
            Until(record.Time);
            if (source.ResidentId is not null && source.Kind is Domain.Devices.DeviceKind.Pir or Domain.Devices.DeviceKind.Door)
                residentDevice = source.DeviceId;
            engine.Observe(source, record, findings);
            Raise(source.DeviceId);
            if (record.Name is "temp" or "hum" or "gas")
            {
                var id = EarlyWarningEngine.SeriesId(source.DeviceId, record.Name);
                if (!history.TryGetValue(id, out var h))
                    history[id] = h = [];
                h.Add((record.Time, record.Value));
            }
        }
        Until(file.End);
        if (Environment.GetEnvironmentVariable("HOME_TRACE") is { } trace && file.Name.StartsWith(trace, StringComparison.Ordinal))
            Trace(file);
        return new HomeFileResult(file, alerts, given, applied);
    }

    /// <summary>Development aid: every detector verdict of a file's series within 3 h of its windows.</summary>
    private static void Trace(HomeFile file)
    {
        var detectors = new Dictionary<string, StreamingDetector>(StringComparer.Ordinal);
        foreach (var (source, r) in file.Readings.Where(x => x.Record.Name is "temp" or "hum" or "gas"))
        {
            var key = r.Name;
            if (!detectors.TryGetValue(key, out var d))
                detectors[key] = d = new StreamingDetector();
            var v = d.Update(r.Time, r.Value);
            if (file.Windows.Any(w => r.Time >= w.Start.AddHours(-3) && r.Time <= w.End.AddHours(3)))
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Time:MM-dd HH:mm} {key} {r.Value,8:0.0} score {v.Score:0.00} raw {v.Raw:0.00} {v.Channel} exp {v.Expected:0.0}{(v.Fired ? " FIRED" : "")}"));
        }
    }

    /// <summary>A "false alarm" verdict as the hub's worker applies it: an anomaly makes every detected series of the device
    /// less eager; a watch's finding is tolerated on its series up to what it had reached (the hub takes the episode's
    /// extreme up to the verdict; given right after the alert, that is the finding's own value); a routine finding makes the
    /// resident's routine take that day as usual. False when the engine had nothing to adjust.</summary>
    internal static bool Verdict(EarlyWarningEngine engine, HomeAlert alert, DateTimeOffset now)
    {
        var f = alert.Finding;
        if (f.Kind == FindingKind.Anomaly)
            return engine.FalseAlarmOnDevice(alert.DeviceId) > 0;
        // A routine alert ("not up", "inactive", "door opened at night") teaches the resident's routine, with the time of the
        // last movement its evidence carries (the hub reads it from the alert's evidence).
        if (ResidentOf(f) is { } resident)
            return engine.RoutineFalseAlarm(resident, f.Kind, f.At, f.Since, now);
        var measurement = f.Kind switch { FindingKind.GasRising => "gas", FindingKind.DoorLeftOpen => "door", _ => "temp" };
        return engine.FalseAlarm(EarlyWarningEngine.SeriesId(alert.DeviceId, measurement), f.Kind, f.Expected, f.Seen, now);
    }

    /// <summary>The resident a routine finding is about (its series is the resident's), null for a sensor series' finding.</summary>
    internal static int? ResidentOf(Finding f) =>
        f.SeriesId.StartsWith(ResidentPrefix, StringComparison.Ordinal)
        && int.TryParse(f.SeriesId.AsSpan(ResidentPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var resident) ? resident : null;

    private static readonly string ResidentPrefix = EarlyWarningEngine.ResidentSeriesId(0)[..^1];

    private static TimeSpan Next(TimeSpan wait) =>
        wait == TimeSpan.Zero ? FirstTrainCheck : TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, MaxBackoff.Ticks));

    private static DateTimeOffset NextLocal(DateTimeOffset from, TimeSpan timeOfDay)
    {
        var local = from.ToOffset(HomeScenarios.Offset);
        var at = new DateTimeOffset(local.Date, HomeScenarios.Offset) + timeOfDay;
        return at > local ? at : at.AddDays(1);
    }

    public static HomeFileResult[] RunAll(IReadOnlyList<HomeFile> files, bool useMl, IReadOnlyList<HomeFileResult>? feedbackFrom = null)
    {
        var results = new HomeFileResult[files.Count];
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            i => results[i] = Run(files[i], useMl, feedbackFrom?[i].FalseAlarms.ToList()));
        return results;
    }

    /// <summary>The report: per category and in all, windows detected, false alarms per 1,000 series-days, late alerts and
    /// the NAB scores (standard, low FP, low FN) of the project's scorer; with <paramref name="feedback"/>, what one
    /// round of "false alarm" verdicts does.</summary>
    public static int Execute(bool useMl, bool feedback, TextWriter report, int perCategory = 16, int days = 28, int normal = 4)
    {
        var watch = Stopwatch.StartNew();
        var files = HomeScenarios.Corpus(perCategory, normal, days);
        var generated = watch.Elapsed;
        var results = RunAll(files, useMl);
        report.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Home yardstick ({files.Count} files, {files.Sum(f => f.Readings.Count):N0} readings, {days} days each, ML.NET model {(useMl ? "on" : "off")}, generated in {generated.TotalSeconds:0.0} s, run in {(watch.Elapsed - generated).TotalSeconds:0.0} s)"));
        report.WriteLine("  category      files  windows detected  false  per 1,000 series-days  late   standard  low-FP  low-FN");
        foreach (var group in results.GroupBy(r => r.File.Category).Append(results.GroupBy(_ => "all").Single()))
            Line(report, group.Key, [.. group]);
        if (Environment.GetEnvironmentVariable("HOME_DIAG") == "1")
        {
            foreach (var r in results)
            {
                foreach (var w in r.File.Windows.Where(w => !r.Detected(w)))
                    report.WriteLine($"    missed {r.File.Name}: {w.What} {w.Start:MM-dd HH:mm}–{w.End:HH:mm}");
                foreach (var a in r.FalseAlarms)
                    report.WriteLine($"    false  {r.File.Name}: {a}");
            }
        }
        if (feedback)
        {
            var after = RunAll(files, useMl, results);
            report.WriteLine("  One round of feedback (each false alarm of the first pass marked \"false alarm\" by staff when raised, applied as the hub does):");
            report.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  verdicts applied: {after.Sum(r => r.VerdictsApplied)} of {after.Sum(r => r.VerdictsGiven)} (routine ones: {results.Sum(r => r.RoutineVerdicts)})"));
            report.WriteLine("  category      false before  false after  detected before  detected after");
            foreach (var category in HomeScenarios.Categories.Append("all"))
            {
                bool In(HomeFileResult r) => category == "all" || r.File.Category == category;
                var before = results.Where(In).ToArray();
                var then = after.Where(In).ToArray();
                report.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {category,-13} {before.Sum(r => r.FalseAlarms.Count()),12} {then.Sum(r => r.FalseAlarms.Count()),12} {Detected(before),16} {Detected(then),15}"));
            }
        }
        return 0;
    }

    private static string Detected(HomeFileResult[] results) =>
        $"{results.Sum(r => r.File.Windows.Count(r.Detected))}/{results.Sum(r => r.File.Windows.Count)}";

    private static void Line(TextWriter report, string category, HomeFileResult[] results)
    {
        var falseAlarms = results.Sum(r => r.FalseAlarms.Count());
        var seriesDays = results.Sum(r => r.File.Days);
        var nab = NabScorer.ScoreAll([.. results.Select(r => r.ToNab())]);
        report.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {category,-13} {results.Length,5}  {results.Sum(r => r.File.Windows.Count),7} {Detected(results),8} {falseAlarms,6} {1000.0 * falseAlarms / seriesDays,22:0.0} {results.Sum(r => r.Late.Count()),5} {nab[0].Normalized,10:0.0} {nab[1].Normalized,7:0.0} {nab[2].Normalized,7:0.0}"));
    }
}
