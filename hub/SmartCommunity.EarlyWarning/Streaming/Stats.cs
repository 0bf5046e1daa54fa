namespace SmartCommunity.EarlyWarning.Streaming;

/// <summary>Exponentially weighted mean and variance: O(1) per point, two doubles of state, and it forgets,
/// which is what a drifting sensor needs (a plain running mean would never adapt to a new normal).</summary>
public struct Ewm
{
    public double Mean;
    public double Var;
    public long Count;

    /// <summary>Adds a value; the first values get a larger weight (1/n) so the estimate is usable early.</summary>
    public void Add(double x, double alpha)
    {
        Count++;
        var a = Math.Max(alpha, 1.0 / Count);
        var d = x - Mean;
        Mean += a * d;
        // West's incremental form keeps the variance consistent with the moving mean.
        Var = (1 - a) * (Var + a * d * d);
    }

    public readonly double Std => Math.Sqrt(Math.Max(Var, 0));

    internal readonly void Write(BinaryWriter w)
    {
        w.Write(Mean);
        w.Write(Var);
        w.Write(Count);
    }

    internal static Ewm Read(BinaryReader r) => new() { Mean = r.ReadDouble(), Var = r.ReadDouble(), Count = r.ReadInt64() };
}

/// <summary>A fixed-size ring of the most recent values: bounded memory, O(1) push.</summary>
public sealed class Ring
{
    private readonly double[] _items;
    private int _next;

    public Ring(int capacity) => _items = new double[capacity];

    public int Capacity => _items.Length;
    public int Count { get; private set; }
    public double Sum { get; private set; }

    public void Push(double x)
    {
        if (Count == _items.Length)
            Sum -= _items[_next];
        else
            Count++;
        _items[_next] = x;
        Sum += x;
        _next = (_next + 1) % _items.Length;
        // Re-summing now and then stops floating-point drift of the running sum over millions of points.
        if (_next == 0)
            Sum = SumOf(_items, Count);
    }

    public double Mean => Count == 0 ? 0 : Sum / Count;

    /// <summary>The value pushed <paramref name="back"/> steps ago (0 = newest).</summary>
    public double Back(int back) => _items[((_next - 1 - back) % _items.Length + _items.Length) % _items.Length];

    internal void Write(BinaryWriter w)
    {
        w.Write(_items.Length);
        w.Write(Count);
        w.Write(_next);
        foreach (var x in _items)
            w.Write(x);
    }

    internal static Ring Read(BinaryReader r)
    {
        var ring = new Ring(r.ReadInt32()) { Count = r.ReadInt32() };
        ring._next = r.ReadInt32();
        for (var i = 0; i < ring._items.Length; i++)
            ring._items[i] = r.ReadDouble();
        ring.Sum = SumOf(ring._items, ring.Count);
        return ring;
    }

    private static double SumOf(double[] items, int count)
    {
        var sum = 0.0;
        for (var i = 0; i < count; i++)
            sum += items[i];
        return sum;
    }
}

internal static class Gauss
{
    /// <summary>Upper tail probability Q(z) = P(Z &gt; z) of the standard normal, via erfc (Numerical Recipes
    /// erfcc, 1.2e-7 relative error), cheap enough for the per-point path.</summary>
    public static double Tail(double z)
    {
        var x = z / Math.Sqrt(2);
        var ax = Math.Abs(x);
        var t = 1.0 / (1.0 + 0.5 * ax);
        var erfc = t * Math.Exp(-ax * ax - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
            t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return 0.5 * (x >= 0 ? erfc : 2 - erfc);
    }
}
