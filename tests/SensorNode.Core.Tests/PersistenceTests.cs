namespace SmartCommunity.SensorNode.Core.Tests;

public class SequenceCounterTests
{
    [Fact]
    public void Next_FreshDevice_StartsAtOneAndIncrements()
    {
        var seq = new SequenceCounter(new MemoryStorage());
        Assert.Equal(1u, seq.Next());
        Assert.Equal(2u, seq.Next());
    }

    [Fact]
    public void Next_AfterReboot_NeverReusesANumber()
    {
        var dir = Directory.CreateTempSubdirectory("seq");
        var storage = new FileStorage(dir.FullName);
        var first = new SequenceCounter(storage);
        uint last = 0;
        for (var i = 0; i < 70; i++)
        {
            last = first.Next();
        }

        var rebooted = new SequenceCounter(new FileStorage(dir.FullName));
        Assert.True(rebooted.Next() > last);
        dir.Delete(true);
    }

    [Fact]
    public void Next_ManyMessages_WritesFlashOncePerBlock()
    {
        var storage = new MemoryStorage();
        var seq = new SequenceCounter(storage);
        for (var i = 0; i < SequenceCounter.BlockSize * 4; i++)
        {
            seq.Next();
        }

        Assert.Equal(4, storage.Writes);
    }

    [Theory]
    [InlineData("seq.a")]
    [InlineData("seq.b")]
    public void Constructor_OneSlotCorrupted_StillResumesAboveEverySentNumber(string slot)
    {
        var storage = new MemoryStorage();
        var seq = new SequenceCounter(storage);
        uint last = 0;
        for (var i = 0; i < 100; i++)
        {
            last = seq.Next();
        }

        Assert.True(storage.Corrupt(slot, 2));
        var rebooted = new SequenceCounter(storage);

        Assert.True(rebooted.Next() > last);
        Assert.False(rebooted.LostState);
    }

    [Fact]
    public void Constructor_BothSlotsCorrupted_ReportsLostState()
    {
        var storage = new MemoryStorage();
        var seq = new SequenceCounter(storage);
        for (var i = 0; i < 40; i++)
        {
            seq.Next();
        }

        storage.Corrupt("seq.a", 0);
        storage.Corrupt("seq.b", 0);

        Assert.True(new SequenceCounter(storage).LostState);
    }
}

public class OfflineQueueTests
{
    [Fact]
    public void Enqueue_ThenReload_KeepsRecordsAndOrder()
    {
        var dir = Directory.CreateTempSubdirectory("queue");
        var q = new OfflineQueue(new FileStorage(dir.FullName), 8);
        q.Enqueue(Measurement.Temp, 2150, false, 100, true);
        q.Enqueue(Measurement.Door, 0, true, 101, true);
        q.Enqueue(Measurement.Sos, 0, true, 102, true);

        var reloaded = new OfflineQueue(new FileStorage(dir.FullName), 8);
        Assert.False(reloaded.LoadFailed);
        Assert.Equal(3, reloaded.Count);
        Assert.Equal([Measurement.Temp, Measurement.Door, Measurement.Sos], Enumerable.Range(0, 3).Select(reloaded.MeasurementAt));
        Assert.Equal(2150, reloaded.ValueAt(0));
        Assert.True(reloaded.BoolAt(1));
        Assert.Equal(102, reloaded.TimeAt(2));
        dir.Delete(true);
    }

    [Fact]
    public void Enqueue_Full_DropsOldestRoutineReadingFirstAndCountsIt()
    {
        var q = new OfflineQueue(new MemoryStorage(), 4);
        q.Enqueue(Measurement.Sos, 0, true, 1, true);
        q.Enqueue(Measurement.Temp, 1, false, 2, true);
        q.Enqueue(Measurement.Door, 0, true, 3, true);
        q.Enqueue(Measurement.Temp, 2, false, 4, true);

        Assert.True(q.Enqueue(Measurement.Hum, 3, false, 5, true));

        Assert.Equal(1, q.DroppedRoutine);
        Assert.Equal([1L, 3, 4, 5], Enumerable.Range(0, q.Count).Select(q.TimeAt));
    }

    [Fact]
    public void Enqueue_FullOfEventsAndCritical_RoutineReadingIsDroppedNotAnEvent()
    {
        var q = new OfflineQueue(new MemoryStorage(), 2);
        q.Enqueue(Measurement.Door, 0, true, 1, true);
        q.Enqueue(Measurement.Fall, 0, true, 2, true);

        Assert.False(q.Enqueue(Measurement.Temp, 1, false, 3, true));
        Assert.True(q.Enqueue(Measurement.Smoke, 0, true, 4, true));

        Assert.Equal(1, q.DroppedRoutine);
        Assert.Equal(1, q.DroppedEvents);
        Assert.Equal([Measurement.Fall, Measurement.Smoke], Enumerable.Range(0, q.Count).Select(q.MeasurementAt));
    }

    [Fact]
    public void Enqueue_FullOfCriticalEvents_NeverDropsOneAndCountsTheRefusal()
    {
        var q = new OfflineQueue(new MemoryStorage(), 3);
        q.Enqueue(Measurement.Sos, 0, true, 1, true);
        q.Enqueue(Measurement.Fall, 0, true, 2, true);
        q.Enqueue(Measurement.Smoke, 0, true, 3, true);

        Assert.False(q.Enqueue(Measurement.Sos, 0, true, 4, true));

        Assert.Equal(1, q.RefusedCritical);
        Assert.Equal([1L, 2, 3], Enumerable.Range(0, q.Count).Select(q.TimeAt));
    }

    [Fact]
    public void Overflow_LongOutage_KeepsEveryCriticalEvent()
    {
        var q = new OfflineQueue(new MemoryStorage(), 16);
        var critical = 0;
        for (var i = 0; i < 500; i++)
        {
            var m = i % 50 == 0 ? Measurement.Sos : i % 3 == 0 ? Measurement.Door : Measurement.Temp;
            critical += m == Measurement.Sos ? 1 : 0;
            q.Enqueue(m, i, true, i, true);
        }

        Assert.Equal(critical, Enumerable.Range(0, q.Count).Count(i => q.MeasurementAt(i) == Measurement.Sos));
        Assert.Equal(500 - 16, q.DroppedRoutine + q.DroppedEvents);
        var times = Enumerable.Range(0, q.Count).Select(q.TimeAt).ToList();
        Assert.Equal(times.Order(), times);
    }

    [Fact]
    public void Load_CorruptBlob_StartsEmptyAndSaysSo()
    {
        var storage = new MemoryStorage();
        var q = new OfflineQueue(storage, 4);
        q.Enqueue(Measurement.Temp, 1, false, 1, true);
        storage.Corrupt(OfflineQueue.StorageKey, 30);

        var reloaded = new OfflineQueue(storage, 4);

        Assert.True(reloaded.LoadFailed);
        Assert.Equal(0, reloaded.Count);
    }

    [Fact]
    public void Load_UnsyncedStampFromPreviousBoot_IsMarkedTimeUnknown()
    {
        var storage = new MemoryStorage();
        new OfflineQueue(storage, 4).Enqueue(Measurement.Door, 0, true, 5000, unixTime: false);

        var reloaded = new OfflineQueue(storage, 4);

        Assert.True(reloaded.TimeUnknown(0));
    }
}

public class ConfigStoreTests
{
    [Fact]
    public void SaveLoad_FullConfig_RoundTripsIncludingUnicodeSsid()
    {
        var storage = new MemoryStorage();
        var c = new DeviceConfig();
        Assert.Equal(ErrorCode.None, c.Set("wifi_ssid", "Café Wi-Fi ☕"));
        Assert.Equal(ErrorCode.None, c.Set("fall_impact_mg", "3000"));
        Assert.True(new ConfigStore(storage).Save(c));

        var loaded = new DeviceConfig();
        Assert.True(new ConfigStore(storage).Load(loaded));
        Assert.Equal("Café Wi-Fi ☕", loaded.WifiSsid);
        Assert.Equal(3000, loaded.Get(Setting.FallImpactMg));
    }

    [Fact]
    public void Load_CorruptBlob_ReturnsFalseAndDefaults()
    {
        var storage = new MemoryStorage();
        var c = new DeviceConfig();
        c.Set("device_id", "door-0001");
        new ConfigStore(storage).Save(c);
        storage.Corrupt(ConfigStore.StorageKey, 3);

        var loaded = new DeviceConfig();
        Assert.False(new ConfigStore(storage).Load(loaded));
        Assert.Equal("", loaded.DeviceId);
    }
}
