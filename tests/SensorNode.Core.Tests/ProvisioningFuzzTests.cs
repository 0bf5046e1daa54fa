using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;

namespace SmartCommunity.SensorNode.Core.Tests;

/// <summary>
/// Fuzzing of the serial provisioning parser, the one firmware input a person (or a noisy cable) controls byte by byte.
/// CI runs a short pass; the long run is
/// `SC_FUZZ_INPUTS=1000000 dotnet test --project tests/SensorNode.Core.Tests -c Release -- --filter-class "*ProvisioningFuzzTests"`
/// (each of the three generators then feeds about 10^6 lines; SC_FUZZ_REPORT=file records the counts and times). Invariants, checked on every line: no exception escapes; the
/// reply is "OK …" or "ERR code name" with a known code; a refused line changes nothing (committed config, staged
/// config, storage); only COMMIT and FACTORY-RESET touch the committed config or the flash; a commit is what a
/// reboot reads back.
/// </summary>
public sealed partial class ProvisioningFuzzTests(ITestOutputHelper output)
{
    private static readonly int Inputs = int.TryParse(Environment.GetEnvironmentVariable("SC_FUZZ_INPUTS"), out var n) ? n : 20_000;

    private static readonly FieldInfo StagedField = typeof(ProvisioningSession).GetField("_staged", BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new InvalidOperationException("ProvisioningSession._staged was renamed; update the fuzz harness");

    private static readonly string[] ValidLines =
    [
        "HELLO", "STATUS", "COMMIT", "ABORT", "FACTORY-RESET CONFIRM",
        "SET wifi_ssid My Home Wi-Fi",
        "SET wifi_password correct horse battery",
        "SET broker_url mqtts://hub.example.org:8883",
        "SET broker_url mqtt://127.0.0.1:1883",
        "SET device_id sos-0001",
        "SET device_secret 0123456789abcdef0123",
        "SET ca_sha256 " + string.Join(':', Enumerable.Repeat("AB", 32)),
        "SET profile sos", "SET profile wearable", "SET profile climate",
        "SET heartbeat_s 60", "SET reading_s 30", "SET gas_on_ppm 300", "SET gas_off_ppm 200", "SET fall_impact_mg 2500", "SET queue_batch 10",
        "GET wifi_ssid", "GET device_secret", "GET wifi_password", "GET heartbeat_s", "GET profile", "GET ca_sha256",
    ];

    private static readonly string[] CommandPrefixes = ["SET wifi_ssid ", "SET wifi_password ", "SET heartbeat_s ", "SET device_secret ", "SET broker_url mqtt", "GET ", "FACTORY-RESET ", "SET ", "STATUS"];

    [GeneratedRegex(@"^ERR (\d+) ([a-z-]+)( [a-z_0-9]+)?$")]
    private static partial Regex ErrorReply();

    /// <summary>A node with its flash and session; reset every so often so both fresh and provisioned nodes are fuzzed.</summary>
    private sealed class Harness
    {
        private readonly byte[] _buffer = new byte[8192];
        public CountingStorage Storage { get; private set; } = new();
        public NodeCore Node { get; private set; } = null!;
        public ProvisioningSession Session { get; private set; } = null!;
        public Dictionary<string, int> Replies { get; } = [];
        public long Lines { get; private set; }

        public Harness(bool provisioned) => Reset(provisioned);

        public void Reset(bool provisioned)
        {
            Storage = new CountingStorage();
            Node = new NodeCore(Storage, 0);
            Session = new ProvisioningSession(Node);
            if (provisioned)
            {
                foreach (var line in ValidLines.Where(l => l.StartsWith("SET ", StringComparison.Ordinal) && !l.Contains("mqtt://", StringComparison.Ordinal)))
                    Session.Handle(line, 0);
                Assert.Equal("OK committed", Session.Handle("COMMIT", 0));
            }
        }

        private string Snapshot(DeviceConfig c) => Encoding.UTF8.GetString(_buffer, 0, c.Serialize(_buffer));

        public void Feed(string line)
        {
            var committedBefore = Snapshot(Node.Config);
            var stagedBefore = Snapshot((DeviceConfig)StagedField.GetValue(Session)!);
            var dirtyBefore = Session.HasStagedChanges;
            var provisionedBefore = Node.Provisioned;
            var writesBefore = Storage.Changes;

            var reply = Session.Handle(line, Lines * 10);
            Lines++;

            var committedAfter = Snapshot(Node.Config);
            var stagedAfter = Snapshot((DeviceConfig)StagedField.GetValue(Session)!);
            if (reply.StartsWith("ERR ", StringComparison.Ordinal))
            {
                var m = ErrorReply().Match(reply);
                Assert.True(m.Success, $"malformed error reply '{reply}' to '{Escape(line)}'");
                var code = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                Assert.NotEqual(ErrorCode.None, code);
                Assert.Equal(ErrorCode.Text(code), m.Groups[2].Value);
                Assert.NotEqual("error", m.Groups[2].Value);
                // Nothing half-applied: a refused line leaves every piece of state as it was.
                Assert.Equal(committedBefore, committedAfter);
                Assert.Equal(stagedBefore, stagedAfter);
                Assert.Equal(dirtyBefore, Session.HasStagedChanges);
                Assert.Equal(provisionedBefore, Node.Provisioned);
                Assert.Equal(writesBefore, Storage.Changes);
                Count("ERR " + m.Groups[2].Value);
                return;
            }

            Assert.True(reply.StartsWith("OK", StringComparison.Ordinal), $"reply '{reply}' to '{Escape(line)}' is neither OK nor ERR");
            Count(reply.Split(' ') is [_, var what, ..] ? "OK " + (what.Contains('=', StringComparison.Ordinal) ? "status" : what) : "OK");
            if (reply is "OK committed")
            {
                // What was committed is exactly what was staged, and what a reboot reads back from flash.
                Assert.Equal(stagedBefore, committedAfter);
                Assert.True(Node.Provisioned);
                Assert.Equal(committedAfter, Snapshot(new NodeCore(Storage, 0).Config));
            }
            else if (reply is not "OK factory-reset")
            {
                Assert.Equal(committedBefore, committedAfter);
                Assert.Equal(provisionedBefore, Node.Provisioned);
                Assert.Equal(writesBefore, Storage.Changes);
            }
            // Secrets are never read back over the serial line: GET says only whether they are set.
            if (line.StartsWith("GET device_secret", StringComparison.Ordinal) || line.StartsWith("GET wifi_password", StringComparison.Ordinal))
                Assert.True(reply.EndsWith(" <set>", StringComparison.Ordinal) || reply.EndsWith(" <unset>", StringComparison.Ordinal), reply);
        }

        private void Count(string key) => Replies[key] = Replies.GetValueOrDefault(key) + 1;
    }

    /// <summary>Counts every change to flash, so "nothing written" can be asserted for refused lines.</summary>
    private sealed class CountingStorage : IStorage
    {
        private readonly MemoryStorage _inner = new();
        public long Changes { get; private set; }
        public int Read(string key, byte[] buffer) => _inner.Read(key, buffer);
        public void Write(string key, byte[] buffer, int count) { Changes++; _inner.Write(key, buffer, count); }
        public void Delete(string key) { Changes++; _inner.Delete(key); }
    }

    private static string Escape(string s) => s.Length > 80 ? string.Concat(s.AsSpan(0, 80), "…") : s;

    private void Report(string name, Harness h, Stopwatch sw)
    {
        var summary = $"{name}: {h.Lines:N0} lines in {sw.Elapsed.TotalSeconds:F1} s; replies: {string.Join(", ", h.Replies.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value}"))}";
        output.WriteLine(summary);
        // SC_FUZZ_REPORT=file appends the figures there, for the long run's record (docs/benchmarks.md).
        if (Environment.GetEnvironmentVariable("SC_FUZZ_REPORT") is { Length: > 0 } report)
            File.AppendAllText(report, summary + Environment.NewLine);
        Assert.True(h.Replies.Keys.Count(k => k.StartsWith("ERR", StringComparison.Ordinal)) >= 5, "error kinds seen: " + string.Join(", ", h.Replies.Keys));
        Assert.True(h.Replies.Keys.Any(k => k.StartsWith("OK", StringComparison.Ordinal)), "no line was accepted");
    }

    /// <summary>Mutations of valid lines (byte flips, insertions, deletions, truncations, splices), in long sessions.</summary>
    [Fact]
    public void Handle_MutatedValidLines_NeverThrowsAndRefusalsChangeNothing()
    {
        var random = new Random(20261130);
        var h = new Harness(provisioned: false);
        const string Interesting = " \r\n\t\0:/=-_.0123456789-+xX\u00e9\u4e2d\ud800\uffff";
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < Inputs; i++)
        {
            if (i % 500 == 0)
                h.Reset(provisioned: random.Next(2) == 0);
            var sb = new StringBuilder(ValidLines[random.Next(ValidLines.Length)]);
            // About one line in four goes in intact, so sessions reach staged, committed and reset states.
            var mutations = random.Next(4) == 0 ? 0 : 1 + random.Next(4);
            for (var m = 0; m < mutations && sb.Length > 0; m++)
            {
                var at = random.Next(sb.Length);
                switch (random.Next(7))
                {
                    case 0: sb[at] = (char)random.Next(0x20, 0x7f); break;
                    case 1: sb.Insert(at, Interesting[random.Next(Interesting.Length)]); break;
                    case 2: sb.Remove(at, 1); break;
                    case 3: sb.Remove(at, sb.Length - at); break;
                    case 4: sb.Insert(at, ValidLines[random.Next(ValidLines.Length)]); break;
                    case 5: sb.Insert(at, new string(Interesting[random.Next(Interesting.Length)], random.Next(1, 600))); break;
                    default: sb[at] = Interesting[random.Next(Interesting.Length)]; break;
                }
            }
            h.Feed(sb.ToString());
        }
        Report(nameof(Handle_MutatedValidLines_NeverThrowsAndRefusalsChangeNothing), h, sw);
    }

    /// <summary>Line noise: random bytes as the UART would hand them over (Latin-1 and UTF-8 decodings), any length up to past the limit.</summary>
    [Fact]
    public void Handle_RandomBytes_NeverThrowsAndRefusalsChangeNothing()
    {
        var random = new Random(1130);
        var h = new Harness(provisioned: true);
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < Inputs; i++)
        {
            if (i % 1000 == 0)
                h.Reset(provisioned: random.Next(2) == 0);
            var bytes = new byte[random.Next(4) == 0 ? random.Next(700) : random.Next(24)];
            random.NextBytes(bytes);
            // Half the lines start like a real command, so the bytes get past the command switch into the value checks.
            var prefix = random.Next(2) == 0 ? CommandPrefixes[random.Next(CommandPrefixes.Length)] : "";
            h.Feed(prefix + (i % 2 == 0 ? Encoding.Latin1.GetString(bytes) : Encoding.UTF8.GetString(bytes)));
        }
        Report(nameof(Handle_RandomBytes_NeverThrowsAndRefusalsChangeNothing), h, sw);
    }

    /// <summary>Structure-aware: FsCheck builds sessions of well-formed commands with keys and values at and beyond every limit.</summary>
    [Fact]
    public void Handle_GeneratedSessions_NeverThrowsAndRefusalsChangeNothing()
    {
        var keys = Gen.Elements(
            "wifi_ssid", "wifi_password", "broker_url", "device_id", "device_secret", "ca_sha256", "profile",
            "heartbeat_s", "reading_s", "pir_interval_s", "debounce_ms", "gas_on_ppm", "gas_off_ppm", "fall_impact_mg", "fall_tilt_cos_pct", "queue_batch",
            "colour", "", "HEARTBEAT_S", "wifi_ssid ");
        var values = Gen.OneOf(
            Gen.Elements("", " ", "0", "-1", "1", "60", "2147483647", "2147483648", "-2147483649", "9223372036854775808", "1e3", "0x10", "+5", "007", " 60", "60 ",
                "sos", "wearable", "leak", "SOS", "mqtts://hub:8883", "mqtt://127.0.0.1:1883", "mqtts://:0", "mqtts://h:99999", "http://x", "sos-0001", "a", "-a-",
                "0123456789abcdef0123", string.Join(':', Enumerable.Repeat("ab", 32)), new string('f', 64), new string('g', 64), string.Join(':', Enumerable.Repeat("AB", 31))),
            Gen.Choose(-100_000, 100_000).Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Gen.Choose(0, 600).Select(len => new string('x', len)),
            ArbMap.Default.ArbFor<string>().Generator.Select(s => s ?? ""));
        var line = Gen.OneOf(
            from k in keys from v in values select $"SET {k} {v}",
            keys.Select(k => "GET " + k),
            Gen.Elements("HELLO", "STATUS", "COMMIT", "COMMIT", "ABORT", "FACTORY-RESET", "FACTORY-RESET CONFIRM", "FACTORY-RESET confirm", "SET", "SET ", "GET", ""),
            from l in Gen.Elements(ValidLines) from crlf in Gen.Elements("", "\r", "\r\r", " ") select l + crlf);
        var session = from provisioned in ArbMap.Default.GeneratorFor<bool>()
                      from count in Gen.Choose(1, 40)
                      from lines in Gen.ArrayOf(line, count)
                      select (provisioned, lines);

        var h = new Harness(provisioned: false);
        var sw = Stopwatch.StartNew();
        Prop.ForAll(session.ToArbitrary(), s =>
        {
            h.Reset(s.provisioned);
            foreach (var l in s.lines)
                h.Feed(l);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(Math.Max(100, Inputs / 20)).WithQuietOnSuccess(true));
        Report(nameof(Handle_GeneratedSessions_NeverThrowsAndRefusalsChangeNothing), h, sw);
    }
}
