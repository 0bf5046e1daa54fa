using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using SmartCommunity.Gateway.Queue;

namespace SmartCommunity.Gateway.Tests;

/// <summary>The durable queue in-process, on a real directory: recovery, marks, order and the quota.</summary>
public sealed class QueueTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sc-gwq-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (Directory.Exists(_dir))
            Directory.Delete(_dir, recursive: true);
    }

    private DurableQueue Open(long quota = 1 << 20, int segment = 4096)
    {
        var q = new DurableQueue(_dir, quota, segment, NullLogger.Instance);
        q.Open();
        return q;
    }

    private static QueuedMessage Message(string device, int n, bool critical = false) =>
        new(device, Status: false, Retain: false, critical, 1_800_000_000_000 + n, Encoding.UTF8.GetBytes($"{device}#{n}"));

    private static string Text(Lease lease) => Encoding.UTF8.GetString(lease.Payload);

    [Fact]
    public async Task Queue_ReopenedAfterTornWrite_KeepsWholeRecordsCutsTheTail()
    {
        await using (var q = Open())
        {
            for (var i = 1; i <= 3; i++)
                Assert.Equal(AppendOutcome.Stored, await q.AppendAsync(Message("clim-0001", i)));
        }
        var segment = Directory.GetFiles(Path.Combine(_dir, "routine"), "*.seg").Single();
        // A crash in the middle of the next write: half a record header and body.
        await File.AppendAllTextAsync(segment, "\u0030\u0000\u0000\u0000garbage", TestContext.Current.CancellationToken);

        await using var reopened = Open();
        Assert.Equal(3, reopened.Stats().Depth);
        Assert.Equal(AppendOutcome.Stored, await reopened.AppendAsync(Message("clim-0001", 4)));
        var sent = new List<string>();
        while (reopened.TryTake() is { } lease)
        {
            sent.Add(Text(lease));
            reopened.Complete(lease);
        }
        Assert.Equal(["clim-0001#1", "clim-0001#2", "clim-0001#3", "clim-0001#4"], sent);
    }

    [Fact]
    public async Task Queue_ReopenedAfterSomeForwarded_OffersOnlyTheRest()
    {
        await using (var q = Open())
        {
            for (var i = 1; i <= 5; i++)
                await q.AppendAsync(Message("clim-0001", i));
            for (var i = 0; i < 2; i++)
                q.Complete(q.TryTake()!);
            // Taken but not acknowledged when the process dies: it comes again.
            Assert.NotNull(q.TryTake());
        }
        await using var reopened = Open();
        Assert.Equal("clim-0001#3", Text(reopened.TryTake()!));
    }

    [Fact]
    public async Task Queue_LifeSafetyMessageWaiting_ItsDeviceOvertakesOlderBacklogButKeepsItsOwnOrder()
    {
        await using var q = Open();
        for (var i = 1; i <= 3; i++)
            await q.AppendAsync(Message("clim-0001", i));
        await q.AppendAsync(Message("sos-0001", 1));
        await q.AppendAsync(Message("sos-0001", 2, critical: true));
        var order = new List<string>();
        while (q.TryTake() is { } lease)
        {
            order.Add(Text(lease));
            q.Complete(lease);
        }
        Assert.Equal(["sos-0001#1", "sos-0001#2", "clim-0001#1", "clim-0001#2", "clim-0001#3"], order);
    }

    [Fact]
    public async Task Queue_OneDeviceMessageInFlight_NextOfThatDeviceWaitsOthersGo()
    {
        await using var q = Open();
        await q.AppendAsync(Message("clim-0001", 1));
        await q.AppendAsync(Message("clim-0001", 2));
        await q.AppendAsync(Message("clim-0002", 1));
        var first = q.TryTake()!;
        Assert.Equal("clim-0002#1", Text(q.TryTake()!));
        Assert.Null(q.TryTake());
        q.Release(first);
        Assert.Equal("clim-0001#1", Text(q.TryTake()!));
    }

    [Fact]
    public async Task Queue_QuotaReached_DropsRoutineOldestFirstNeverLifeSafety()
    {
        // Each record is 18 + 9 + payload bytes; ~40 bytes: a 400-byte quota holds about ten.
        await using var q = Open(quota: 400, segment: 128);
        for (var i = 1; i <= 30; i++)
        {
            await q.AppendAsync(Message("clim-0001", i));
            if (i % 10 == 0)
                await q.AppendAsync(Message("sos-0001", i, critical: true));
        }
        var stats = q.Stats();
        Assert.True(stats.DroppedRoutine > 0);
        Assert.True(stats.QueuedBytes <= 400);
        var left = new List<string>();
        while (q.TryTake() is { } lease)
        {
            left.Add(Text(lease));
            q.Complete(lease);
        }
        Assert.Equal(["sos-0001#10", "sos-0001#20", "sos-0001#30"], left.Where(t => t.StartsWith("sos", StringComparison.Ordinal)));
        var kept = left.Where(t => t.StartsWith("clim", StringComparison.Ordinal)).Select(t => int.Parse(t.Split('#')[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(31 - kept.Count, kept.Count), kept);
        Assert.Equal(30 - kept.Count, stats.DroppedRoutine);
        // Emptied routine segments were deleted: only the active ones (and the done log) remain on disk.
        Assert.True(q.Stats().DiskUsedBytes <= 2 * 128 + 30 * 8 + 200, $"disk {q.Stats().DiskUsedBytes}");
    }
}
