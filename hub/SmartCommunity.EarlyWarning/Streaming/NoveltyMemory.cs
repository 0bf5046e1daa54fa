namespace SmartCommunity.EarlyWarning.Streaming;

/// <summary>
/// Remembers the coarse shapes a series has shown (after ARTime's idea: a pattern never seen before is news, a pattern seen
/// before is not). Points are averaged in blocks; the last few block means, quantised against the range of block means seen
/// so far, form a shape whose hash is looked up in a fixed bit table and then set. Two verdicts:
/// <list type="bullet">
/// <item>novelty: how unlikely the number of new shapes among the last few blocks is at the series' usual rate of new
/// shapes (binomial tail) — a series that keeps showing new shapes (noise) makes novelty ordinary, one that had settled
/// into its repertoire makes a run of new shapes rare. This sees a level or shape change that is never extreme point by
/// point;</item>
/// <item>familiar: the shape ending at the latest point (the current, partial block included) was seen before — a burst
/// like the bursts the series has had is less news than the point-wise channels think.</item>
/// </list>
/// O(window) per point, fixed memory: the bit table (2 KiB by default) and two small rings.
/// </summary>
internal sealed class NoveltyMemory
{
    private readonly int _block;
    private readonly int _levels;
    private readonly int _minBlocks;
    private readonly double _rateAlpha;
    private readonly ulong[] _seen;
    private Ring _means;
    private Ring _recent;
    private Ewm _rate;
    private double _blockSum;
    private int _blockCount;
    private double _min = double.PositiveInfinity;
    private double _max = double.NegativeInfinity;
    private double _tail = 1;
    private int _novelBlocks;

    public NoveltyMemory(DetectorOptions o)
    {
        _block = o.NoveltyBlock;
        _levels = o.NoveltyLevels;
        _minBlocks = o.NoveltyMinBlocks;
        _rateAlpha = o.NoveltyRateAlpha;
        _seen = new ulong[Math.Max(1, o.NoveltyBits / 64)];
        _means = new Ring(o.NoveltyWindow);
        _recent = new Ring(o.NoveltyShort);
    }

    /// <summary>Blocks whose shape was new (since the start).</summary>
    public int NovelBlocks => _novelBlocks;

    /// <summary>Whether the shape ending at the latest point (the current, partial block included) was seen before.</summary>
    public bool Familiar { get; private set; }

    /// <summary>Adds a point; returns the novelty tail of the latest completed block (held until the next one).</summary>
    public double Update(double x)
    {
        _blockSum += x;
        _blockCount++;
        if (_blockCount < _block)
        {
            if (_means.Count == _means.Capacity)
                Familiar = IsSet(Key(_blockSum / _blockCount, partial: true));
            return _tail;
        }
        var mean = _blockSum / _blockCount;
        _blockSum = 0;
        _blockCount = 0;
        _means.Push(mean);
        _min = Math.Min(_min, mean);
        _max = Math.Max(_max, mean);
        if (_means.Count < _means.Capacity)
            return _tail;
        var bit = Key(mean, partial: false);
        var novel = !IsSet(bit);
        Familiar = !novel;
        _seen[bit >> 6] |= 1UL << (bit & 63);
        if (novel)
            _novelBlocks = Math.Min(_novelBlocks + 1, int.MaxValue - 1);
        _recent.Push(novel ? 1 : 0);
        var k = (int)Math.Round(_recent.Sum);
        // The usual rate has a floor: a series that has shown nothing new for a long while is not made infinitely touchy.
        _tail = _rate.Count >= _minBlocks && k > 0 ? BinomialTail(_recent.Count, k, Math.Clamp(_rate.Mean, 1e-4, 1)) : 1;
        _rate.Add(novel ? 1 : 0, _rateAlpha);
        return _tail;
    }

    /// <summary>P(X ≥ k) for X ~ Binomial(n, p): how unlikely k new shapes among the last n blocks are at the usual rate.</summary>
    internal static double BinomialTail(int n, int k, double p)
    {
        if (p >= 1)
            return 1;
        var tail = 0.0;
        for (var j = k; j <= n; j++)
            tail += Choose(n, j) * Math.Pow(p, j) * Math.Pow(1 - p, n - j);
        return Math.Min(1, tail);
    }

    private static double Choose(int n, int k)
    {
        var c = 1.0;
        for (var i = 1; i <= k; i++)
            c = c * (n - k + i) / i;
        return c;
    }

    private bool IsSet(int bit) => (_seen[bit >> 6] & (1UL << (bit & 63))) != 0;

    // The table bit of the shape made of the last blocks; partial: the oldest block left out and the current, unfinished
    // block appended, so a burst is looked up while it happens rather than at the next block's end.
    private int Key(double newest, bool partial)
    {
        var span = _max - _min;
        var hash = 14695981039346656037UL; // FNV-1a
        for (var i = _means.Capacity - 1; i >= 0; i--)
        {
            var v = partial ? (i == 0 ? newest : _means.Back(i - 1)) : _means.Back(i);
            // A partial block may lie outside the range so far: one level beyond either end, not wrapped.
            var q = span > 0 ? (int)Math.Clamp(Math.Floor((v - _min) / span * _levels), -1, _levels + 1) : 0;
            hash = (hash ^ (uint)(q + 2)) * 1099511628211UL;
        }
        hash ^= hash >> 29;
        return (int)(hash % (ulong)(_seen.Length * 64));
    }

    public void Write(BinaryWriter w)
    {
        _means.Write(w);
        _recent.Write(w);
        _rate.Write(w);
        w.Write(_blockSum);
        w.Write(_blockCount);
        w.Write(_min);
        w.Write(_max);
        w.Write(_tail);
        w.Write(_novelBlocks);
        w.Write(Familiar);
        w.Write(_seen.Length);
        foreach (var x in _seen)
            w.Write(x);
    }

    public void Read(BinaryReader r)
    {
        _means = Ring.Read(r);
        _recent = Ring.Read(r);
        _rate = Ewm.Read(r);
        _blockSum = r.ReadDouble();
        _blockCount = r.ReadInt32();
        _min = r.ReadDouble();
        _max = r.ReadDouble();
        _tail = r.ReadDouble();
        _novelBlocks = r.ReadInt32();
        Familiar = r.ReadBoolean();
        if (r.ReadInt32() != _seen.Length)
            throw new InvalidDataException("Detector state was saved with a different novelty table.");
        for (var i = 0; i < _seen.Length; i++)
            _seen[i] = r.ReadUInt64();
    }
}
