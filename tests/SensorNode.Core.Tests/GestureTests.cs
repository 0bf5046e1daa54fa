using FsCheck;
using FsCheck.Fluent;

namespace SmartCommunity.SensorNode.Core.Tests;

/// <summary>The hub's pre-alarm downlink and the resident's answer from the pendant (firmware/README.md, "Button gestures").</summary>
public class PreAlarmTests
{
    private const string PreAlarm600 = "{\"cmd\":\"pre-alarm\",\"s\":600}";

    [Theory]
    [InlineData("sos")]
    [InlineData("wearable")]
    public void PreAlarm_HoldOnPendant_SendsCancelOnlyAndStopsAsking(string profile)
    {
        var rig = new Rig(Nodes.Provisioned(profile));
        rig.Up(1000);
        Assert.Equal(ErrorCode.None, rig.Send(PreAlarm600));
        Assert.True(rig.Node.PreAlarmPending);
        Assert.Equal(Indicator.PreAlarm, rig.Node.Indicator.Pattern);

        rig.Up(100).Down(2100);
        Assert.False(rig.Node.PreAlarmPending);
        Assert.Equal(Indicator.Cancelled, rig.Node.Indicator.Pattern);
        rig.Up(30_000);

        // The hold answered the question; it raised no SOS of its own.
        Assert.Equal(["cancel"], rig.Queued);
        Assert.Equal(Indicator.Off, rig.Node.Indicator.Pattern);
    }

    [Fact]
    public void PreAlarm_ShortPress_IsACallForHelpStampedAtThePress()
    {
        var rig = new Rig(Nodes.Provisioned("sos"));
        rig.Send(PreAlarm600);
        rig.Up(1000).Press(200);
        Assert.True(rig.Node.SosPending);
        rig.Up(8000);
        Assert.Equal(["sos"], rig.Queued);
        Assert.Equal(Nodes.T0 + 1, rig.Node.Queue.TimeAt(0));
        // The hub's pre-alarm is still open (only the hub closes it): after the SOS indication the question returns.
        Assert.True(rig.Node.PreAlarmPending);
        Assert.Equal(Indicator.PreAlarm, rig.Node.Indicator.Pattern);
    }

    [Fact]
    public void PreAlarm_ShortPressThenHold_CancelsBothTheSosAndThePreAlarm()
    {
        var rig = new Rig(Nodes.Provisioned("sos"));
        rig.Send(PreAlarm600);
        rig.Up(500).Press(200).Up(300).Down(2100).Up(10_000);
        Assert.Equal(["cancel"], rig.Queued);
    }

    [Fact]
    public void PreAlarm_HoldThatBeganBeforeTheAnnouncement_DoesNotAnswerIt()
    {
        var rig = new Rig(Nodes.Provisioned("sos"));
        rig.Down(500); // the press raised an SOS before the pre-alarm came
        rig.Send(PreAlarm600);
        rig.Down(3000).Up(10_000);
        Assert.Equal(["sos"], rig.Queued);
        Assert.True(rig.Node.PreAlarmPending);
    }

    [Theory]
    [InlineData("{\"cmd\":\"pre-alarm-end\"}")]
    [InlineData("{\"cmd\":\"pre-alarm\",\"s\":0}")]
    public void PreAlarmEnd_ClearsTheQuestion_HoldNoLongerSendsCancel(string end)
    {
        var rig = new Rig(Nodes.Provisioned("sos"));
        rig.Send(PreAlarm600);
        rig.Up(1000);
        Assert.Equal(ErrorCode.None, rig.Send(end));
        Assert.False(rig.Node.PreAlarmPending);
        rig.Up(10);
        Assert.Equal(Indicator.Off, rig.Node.Indicator.Pattern);
        // With nothing to answer, a press on a pendant is an SOS again (at once, not deferred).
        rig.Down(2500).Up(10_000);
        Assert.Equal(["sos"], rig.Queued);
    }

    [Fact]
    public void PreAlarm_RunsOutOfSeconds_StopsAsking()
    {
        var rig = new Rig(Nodes.Provisioned("wearable", id: "wear-0001"));
        rig.Send("{\"cmd\":\"pre-alarm\",\"s\":60}");
        rig.Up(59_990);
        Assert.True(rig.Node.PreAlarmPending);
        rig.Up(20);
        Assert.False(rig.Node.PreAlarmPending);
        Assert.Equal(Indicator.Off, rig.Node.Indicator.Pattern);
    }

    [Fact]
    public void PreAlarm_Repeated_MovesTheEndButAHoldSinceTheFirstStillAnswers()
    {
        var rig = new Rig(Nodes.Provisioned("sos"));
        rig.Send("{\"cmd\":\"pre-alarm\",\"s\":10}");
        rig.Up(500).Down(1000);
        rig.Send("{\"cmd\":\"pre-alarm\",\"s\":600}"); // a resend while the resident is already holding
        rig.Down(1100).Up(15_000);
        Assert.Equal(["cancel"], rig.Queued);
    }

    [Fact]
    public void PreAlarm_ChirpsAndFlashesLikeNoOtherPattern()
    {
        var rig = new Rig(Nodes.Provisioned("sos"));
        rig.Send(PreAlarm600);
        var led = 0;
        var buzzer = 0;
        for (var i = 0; i < 1000; i++)
        {
            rig.Up(10);
            led += rig.Node.Indicator.LedOn ? 1 : 0;
            buzzer += rig.Node.Indicator.BuzzerOn ? 1 : 0;
        }

        // 10 s: a 200 ms flash each second, a 150 ms chirp every 5 s.
        Assert.Equal(200, led);
        Assert.Equal(30, buzzer);
    }

    [Fact]
    public void PreAlarm_HelpComingMeanwhile_QuestionComesBackAfterIt()
    {
        var rig = new Rig(Nodes.Provisioned("sos"));
        rig.Send(PreAlarm600);
        rig.Send("{\"cmd\":\"help-coming\"}");
        Assert.Equal(Indicator.HelpComing, rig.Node.Indicator.Pattern);
        rig.Up(60_010);
        Assert.Equal(Indicator.PreAlarm, rig.Node.Indicator.Pattern);
    }

    [Theory]
    [InlineData("smoke")]
    [InlineData("climate")]
    [InlineData("door")]
    [InlineData("co")]
    public void PreAlarm_KindWithoutCancelButton_UnknownCommand(string profile)
    {
        var rig = new Rig(Nodes.Provisioned(profile, id: "node-0001"));
        Assert.Equal(ErrorCode.UnknownCommand, rig.Send(PreAlarm600));
        Assert.False(rig.Node.PreAlarmPending);
    }

    [Theory]
    [InlineData("{\"cmd\":\"pre-alarm\"}")]
    [InlineData("{\"cmd\":\"pre-alarm\",\"s\":-1}")]
    [InlineData("{\"cmd\":\"pre-alarm\",\"s\":86401}")]
    [InlineData("{\"cmd\":\"pre-alarm\",\"s\":1.5}")]
    [InlineData("{\"cmd\":\"pre-alarm\",\"s\":\"600\"}")]
    public void PreAlarm_BadSeconds_InvalidValueAndNothingChanges(string json)
    {
        var rig = new Rig(Nodes.Provisioned("sos"));
        Assert.Equal(ErrorCode.InvalidValue, rig.Send(json));
        Assert.False(rig.Node.PreAlarmPending);
    }
}

/// <summary>The grid worker's visit gesture: press, release, press and hold <c>visit_hold_ms</c>.</summary>
public class VisitGestureTests
{
    [Theory]
    [InlineData("sos")]
    [InlineData("wearable")]
    public void Visit_PressThenHoldFiveSeconds_CancelsTheSosAndRecordsTheVisit(string profile)
    {
        var rig = new Rig(Nodes.Provisioned(profile));
        rig.Up(1000).Press(200).Up(300).Down(4000);
        Assert.False(rig.Node.SosPending); // cancelled at cancel_hold_ms, as any accidental press
        Assert.Empty(rig.Queued);
        rig.Down(1100);
        Assert.Equal(["visit"], rig.Queued);
        Assert.Equal(Indicator.VisitRecorded, rig.Node.Indicator.Pattern);
        Assert.True(rig.Node.Indicator.LedOn);
        rig.Down(3000).Up(30_000); // holding on longer records nothing more
        Assert.Equal(["visit"], rig.Queued);
    }

    [Fact]
    public void Visit_ReleasedBetweenCancelAndVisitTime_IsOnlyACancel()
    {
        var rig = new Rig(Nodes.Provisioned("sos"));
        rig.Press(200).Up(300).Down(3500).Up(30_000);
        Assert.Empty(rig.Queued);
    }

    [Fact]
    public void Visit_ResidentsLongSosPress_NeitherCancelsNorRecordsAVisit()
    {
        var rig = new Rig(Nodes.Provisioned("sos"));
        rig.Down(12_000).Up(30_000);
        Assert.Equal(["sos"], rig.Queued);
    }

    [Fact]
    public void Visit_DuringAPreAlarm_AnswersItAndRecordsTheVisit()
    {
        var rig = new Rig(Nodes.Provisioned("sos"));
        rig.Send("{\"cmd\":\"pre-alarm\",\"s\":600}");
        rig.Up(500).Press(200).Up(300).Down(5100).Up(30_000);
        Assert.Equal(["cancel", "visit"], rig.Queued);
    }

    [Theory]
    [InlineData("smoke")]
    [InlineData("door")]
    public void Visit_KindWithoutVisitButton_RecordsNothing(string profile)
    {
        var rig = new Rig(Nodes.Provisioned(profile, id: "node-0001"));
        rig.Press(200).Up(300).Down(6000).Up(30_000);
        Assert.Empty(rig.Queued);
    }

    [Theory]
    [InlineData(2000, 2000)]
    [InlineData(2500, 3000)]
    public void Config_VisitHoldNotLongerThanCancelHold_Inconsistent(int visit, int cancel)
    {
        var node = Nodes.Provisioned("sos");
        var b = Nodes.Ascii($"{{\"cmd\":\"config\",\"visit_hold_ms\":{visit},\"cancel_hold_ms\":{cancel}}}");
        Assert.Equal(ErrorCode.Inconsistent, node.OnDownlink(b, b.Length, 0));
        Assert.Equal(Setting.Default(Setting.VisitHoldMs), node.Config.Get(Setting.VisitHoldMs));
    }

    [Fact]
    public void Config_WrittenBeforeVisitHoldExisted_LongCancelHold_StillLoadsWithTheVisitAfterIt()
    {
        // A config persisted by the previous firmware (no visit_hold_ms line) with a 6 s cancel hold.
        var storage = new MemoryStorage();
        Nodes.Provisioned("sos", storage, tweak: c =>
        {
            c.SetNumber(Setting.CancelHoldMs, 6000);
            c.SetNumber(Setting.VisitHoldMs, 12000);
        });
        var buffer = new byte[4096];
        var n = storage.Read(ConfigStore.StorageKey, buffer);
        var text = System.Text.Encoding.UTF8.GetString(buffer, 0, n - 4);
        var old = string.Join('\n', text.Split('\n').Where(l => !l.StartsWith("visit_hold_ms ", StringComparison.Ordinal)));
        var bytes = System.Text.Encoding.UTF8.GetBytes(old);
        var image = new byte[bytes.Length + 4];
        bytes.CopyTo(image, 0);
        Bytes.PutInt32(image, bytes.Length, Bytes.Checksum(image, 0, bytes.Length));
        storage.Write(ConfigStore.StorageKey, image, image.Length);

        var node = new NodeCore(storage, 0);
        Assert.True(node.Provisioned);
        Assert.Equal(6000, node.Config.Get(Setting.CancelHoldMs));
        Assert.Equal(9000, node.Config.Get(Setting.VisitHoldMs));
    }
}

/// <summary>
/// The safety property of the button, over generated press sequences by a resident who raised an SOS (with and
/// without a hub pre-alarm arriving meanwhile): an SOS is only ever called off by a hold that began after the press
/// that raised it, and a visit is only recorded by a hold that called off an SOS.
/// </summary>
public class ButtonSafetyPropertyTests
{
    private const int CancelHoldMs = 2000;

    private sealed record PressSpec(int GapMs, int DurationMs);

    private sealed record Session(string Profile, PressSpec[] Presses, int PreAlarmAtMs, int PreAlarmSeconds, int PreAlarmEndAtMs)
    {
        public override string ToString() =>
            $"{Profile}: presses (gap, ms) {string.Join(" ", Presses.Select(p => $"({p.GapMs}, {p.DurationMs})"))}; pre-alarm at {PreAlarmAtMs} for {PreAlarmSeconds} s, end at {PreAlarmEndAtMs}";
    }

    [Fact]
    public void AnyPressSequence_SosCancelledOnlyByAHoldThatBeganAfterIt()
    {
        var duration = Gen.OneOf(
            Gen.Choose(6, 180).Select(d => d * 10),      // short presses, panic pressing
            Gen.Choose(220, 700).Select(d => d * 10),    // holds
            Gen.Choose(700, 1200).Select(d => d * 10));  // very long holds
        var press = from gap in Gen.Choose(10, 400) from d in duration select new PressSpec(gap * 10, d);
        var session = from profile in Gen.Elements("sos", "wearable")
                      from count in Gen.Choose(1, 8)
                      from presses in Gen.ArrayOf(press, count)
                      from preAlarmAt in Gen.OneOf(Gen.Constant(-1), Gen.Choose(0, 3000).Select(t => t * 10))
                      from seconds in Gen.Choose(1, 120)
                      from endAt in Gen.OneOf(Gen.Constant(-1), Gen.Choose(0, 6000).Select(t => t * 10))
                      select new Session(profile, presses, preAlarmAt, seconds, endAt);

        var raised = 0;
        var cancelled = 0;
        var visits = 0;
        Prop.ForAll(session.ToArbitrary(), s =>
        {
            var r = Run(s);
            raised += r.Raised;
            cancelled += r.Cancelled;
            visits += r.Visits;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300).WithQuietOnSuccess(true));

        // Not vacuous: the generated sessions raise SOSes, cancel some of them and record visits.
        Assert.True(raised > 100, $"only {raised} SOS raised");
        Assert.True(cancelled > 20, $"only {cancelled} SOS cancelled");
        Assert.True(visits > 5, $"only {visits} visits");
    }

    private static (int Raised, int Cancelled, int Visits) Run(Session s)
    {
        var node = Nodes.Provisioned(s.Profile, tweak: c => c.SetNumber(Setting.CancelHoldMs, CancelHoldMs));
        // The button's raw level over time: press i is down from starts[i] for its duration.
        var starts = new long[s.Presses.Length];
        long t = 1000;
        for (var i = 0; i < s.Presses.Length; i++)
        {
            t += s.Presses[i].GapMs;
            starts[i] = t;
            t += s.Presses[i].DurationMs;
        }

        var end = t + 40_000;
        var wasPending = false;
        long raisingPressStart = -1;
        long armedAt = -1;
        var sosRecords = 0;
        var visitRecords = 0;
        var cancelledThisPress = -1;
        int raised = 0, cancelled = 0;
        var press = -1;
        for (long now = 0; now < end; now += Rig.StepMs)
        {
            if (now == s.PreAlarmAtMs)
            {
                var b = Nodes.Ascii($"{{\"cmd\":\"pre-alarm\",\"s\":{s.PreAlarmSeconds}}}");
                Assert.Equal(ErrorCode.None, node.OnDownlink(b, b.Length, now));
            }

            if (now == s.PreAlarmEndAtMs)
            {
                var b = Nodes.Ascii("{\"cmd\":\"pre-alarm-end\"}");
                node.OnDownlink(b, b.Length, now);
            }

            while (press + 1 < starts.Length && now >= starts[press + 1])
            {
                press++;
            }

            var down = press >= 0 && now < starts[press] + s.Presses[press].DurationMs;
            // The debouncer sees a release debounce_ms after the contact opens: the press lasts that much longer.
            var held = press >= 0 && now < starts[press] + s.Presses[press].DurationMs + Setting.Default(Setting.DebounceMs);
            node.OnButton(down, now);
            node.Tick(now);

            var pending = node.SosPending;
            var sos = Count(node, Measurement.Sos);
            var visit = Count(node, Measurement.Visit);
            if (!wasPending && pending)
            {
                // Armed by the press under way or just released (a deferred short press arms at its release).
                raised++;
                raisingPressStart = starts[press];
                armedAt = now;
            }
            else if (wasPending && !pending && sos == sosRecords)
            {
                // Called off: only by a hold, in a press that began after the raising press, held cancel_hold_ms.
                cancelled++;
                Assert.True(held, $"SOS called off at {now} with the button up ({s})");
                Assert.True(starts[press] > raisingPressStart, $"SOS called off at {now} by the press that raised it ({s})");
                Assert.True(now - starts[press] >= CancelHoldMs, $"SOS called off at {now} by a {now - starts[press]} ms press ({s})");
                cancelledThisPress = press;
            }
            else if (wasPending && !pending)
            {
                // Sent: no press that began after the raising one was held through cancel_hold_ms (+ a margin for
                // the debouncer) while the window was still open.
                for (var j = 0; j < starts.Length; j++)
                {
                    var holdDone = starts[j] + CancelHoldMs + 100;
                    Assert.False(starts[j] > raisingPressStart && s.Presses[j].DurationMs >= CancelHoldMs + 100 && holdDone < now - 100 && holdDone > armedAt,
                        $"SOS sent at {now} though press {j} held from {starts[j]} should have called it off ({s})");
                }
            }

            if (visit > visitRecords)
            {
                Assert.True(held && cancelledThisPress == press, $"visit recorded at {now} by a press that called off no SOS ({s})");
            }

            sosRecords = sos;
            visitRecords = visit;
            wasPending = pending;
        }

        Assert.False(node.SosPending);
        return (raised, cancelled, visitRecords);
    }

    private static int Count(NodeCore node, int measurement)
    {
        var n = 0;
        for (var i = 0; i < node.Queue.Count; i++)
        {
            n += node.Queue.MeasurementAt(i) == measurement ? 1 : 0;
        }

        return n;
    }
}

public class HeartbeatTests
{
    [Fact]
    public void Heartbeat_SettingLongerThanTheKindsSupervision_BeatsAtTheKindsInterval()
    {
        // A pendant told to beat hourly would be reported missing by the hub after 7.5 min.
        var node = Nodes.Provisioned("sos", tweak: c => c.SetNumber(Setting.HeartbeatSeconds, 3600));
        var pub = new FakePublisher();
        node.OnConnected(0);
        node.Flush(pub, 0);
        for (long t = 0; t <= 900_000; t += 1000)
        {
            node.Tick(t);
            node.Flush(pub, t);
        }

        Assert.Equal(4, pub.Messages.Count(m => m.Topic.EndsWith("/status", StringComparison.Ordinal))); // 0, 5, 10, 15 min
    }
}
