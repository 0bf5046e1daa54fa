using Microsoft.Extensions.Time.Testing;
using SmartCommunity.Simulator.Engine;
using SmartCommunity.Simulator.Signals;

namespace SmartCommunity.Simulator.Tests.Signals;

public sealed class SignalModelTests
{
    private static readonly DateTimeOffset Midnight = new(2026, 11, 29, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ClimateModel_TwoDays_StaysInIndoorRange()
    {
        var model = new ClimateModel(new Random(1));

        for (var minute = 0; minute < 2 * 24 * 60; minute++)
        {
            var (temp, hum) = model.Sample(Midnight.AddMinutes(minute));
            Assert.InRange(temp, 20.0, 23.0);
            Assert.InRange(hum, 35.0, 60.0);
        }
    }

    [Fact]
    public void ClimateModel_Afternoon_IsWarmerThanEarlyMorning()
    {
        var model = new ClimateModel(new Random(2));

        var early = Enumerable.Range(0, 60).Average(m => model.Sample(Midnight.AddHours(4).AddMinutes(m)).Temperature);
        var afternoon = Enumerable.Range(0, 60).Average(m => model.Sample(Midnight.AddHours(16).AddMinutes(m)).Temperature);

        Assert.True(afternoon > early + 1.0, $"afternoon {afternoon:F2} °C should be clearly warmer than early morning {early:F2} °C");
    }

    [Fact]
    public void ClimateModel_HeatingFailure_CoolsAboutOneDegreePerTwentyMinutesTowardTen()
    {
        var model = new ClimateModel(new Random(3));
        var start = Midnight.AddHours(12);
        var before = ClimateModel.DiurnalTemperature(start.TimeOfDay);

        model.StartHeatingFailure(start);
        var after20 = model.Sample(start.AddMinutes(20)).Temperature;
        var after60 = model.Sample(start.AddMinutes(60)).Temperature;
        var afterDay = model.Sample(start.AddHours(24)).Temperature;

        Assert.InRange(before - after20, 0.7, 1.3);
        Assert.InRange(before - after60, 2.7, 3.3);
        Assert.Equal(ClimateModel.HeatingFailureFloor, afterDay, 1);
    }

    [Fact]
    public void ClimateModel_HeatingFailureAtDemoPace_SameCoolingCurveInTimeLapse()
    {
        var start = Midnight.AddHours(12);
        var real = new ClimateModel(new Random(3));
        var demo = new ClimateModel(new Random(3));

        real.StartHeatingFailure(start);
        demo.StartHeatingFailure(start, pace: 240);

        // What a real room does in an hour the demo room does in 15 s; within a minute it is below the safe 16 °C.
        Assert.Equal(real.Sample(start.AddHours(1)).Temperature, demo.Sample(start.AddSeconds(15)).Temperature, 6);
        Assert.True(demo.Sample(start.AddMinutes(1)).Temperature < 16);
    }

    [Fact]
    public void ActivityRoutine_Night_IsMuchQuieterThanMorningAndEvening()
    {
        var random = new Random(4);
        double Mean(int fromHour, int hours) => Enumerable.Range(0, hours * 12)
            .Average(i => ActivityRoutine.SampleCount(Midnight.AddHours(fromHour).AddMinutes(5 * i), random));

        var night = Mean(0, 6);       // 00:00–06:00
        var morning = Mean(7, 3);     // 07:00–10:00
        var evening = Mean(17, 4);    // 17:00–21:00

        Assert.True(night < 1, $"night mean {night:F2} should be below 1 activation per 5 min");
        Assert.True(morning > 5 * Math.Max(night, 0.2), $"morning {morning:F2} vs night {night:F2}");
        Assert.True(evening > 5 * Math.Max(night, 0.2), $"evening {evening:F2} vs night {night:F2}");
    }

    [Theory]
    [InlineData(23.5, true)]
    [InlineData(3, true)]
    [InlineData(6.9, true)]
    [InlineData(7, false)]
    [InlineData(12, false)]
    public void ActivityRoutine_Hour_KnowsWhenAsleep(double hour, bool asleep)
    {
        Assert.Equal(asleep, ActivityRoutine.IsAsleep(TimeSpan.FromHours(hour)));
    }

    [Fact]
    public void DoorRoutine_SeveralDays_OpensAFewTimesADayAndOnlyInDaytime()
    {
        var door = new DoorRoutine(new Random(5));
        var now = Midnight;
        var opens = 0;
        var end = Midnight.AddDays(7);

        while (now < end)
        {
            now += door.NextChangeIn(now);
            if (door.Toggle())
            {
                opens++;
                Assert.InRange(now.TimeOfDay.TotalHours, DoorRoutine.FirstHour, DoorRoutine.LastHour);
            }
        }

        Assert.InRange(opens / 7.0, 2, 10);
    }

    [Fact]
    public void GasModel_Routine_StaysBetween50And300AndAlarmIsAbove()
    {
        var gas = new GasModel(new Random(6));

        for (var i = 0; i < 5000; i++)
        {
            Assert.InRange(gas.Sample(), 50, 300);
        }

        Assert.InRange(gas.AlarmSample(), 350, 800);
    }

    [Fact]
    public void CoModel_CleanAir_StaysBetween0And5()
    {
        var co = new CoModel(new Random(7));

        var samples = Enumerable.Range(0, 5000).Select(i => co.Sample(Midnight.AddSeconds(i))).ToList();

        Assert.All(samples, v => Assert.InRange(v, 0, 5));
        Assert.InRange(samples.Average(), 1, 3);
    }

    [Fact]
    public void CoModel_BlockedFlue_Rises20To250In90sAndStays()
    {
        var co = new CoModel(new Random(8));
        co.StartLeak(Midnight);

        Assert.InRange(co.Sample(Midnight), 15, 25);
        Assert.InRange(co.Sample(Midnight.AddSeconds(45)), 125, 145);
        Assert.InRange(co.Sample(Midnight.AddSeconds(90)), 245, 255);
        Assert.InRange(co.Sample(Midnight.AddMinutes(30)), 245, 255);
        // The hub's 100 ppm alarm is crossed about 31 s in, so the demo shows it within a minute.
        var crossing = Enumerable.Range(0, 90).First(s => co.Sample(Midnight.AddSeconds(s)) >= 100);
        Assert.InRange(crossing, 26, 37);
    }

    [Fact]
    public void SimulatedClock_SpeedSixty_RunsAnHourPerMinute()
    {
        var time = new FakeTimeProvider(Midnight);
        var clock = new SimulatedClock(time, speed: 60);

        time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(Midnight.AddHours(1), clock.LocalNow);
        Assert.Equal(TimeSpan.FromSeconds(1), clock.ToReal(TimeSpan.FromMinutes(1)));
    }
}
