namespace SmartCommunity.Firmware.FallEval;

/// <summary>A recorded or synthetic accelerometer trace: time in ms, axes in milli-g (frontal, vertical, lateral).</summary>
public sealed class AccelTrace(string name)
{
    private readonly List<long> _t = [];
    private readonly List<int> _x = [];
    private readonly List<int> _y = [];
    private readonly List<int> _z = [];

    public string Name { get; } = name;

    public int Count => _t.Count;

    public long DurationMs => _t.Count < 2 ? 0 : _t[^1] - _t[0];

    public void Add(long tMs, int x, int y, int z)
    {
        _t.Add(tMs);
        _x.Add(x);
        _y.Add(y);
        _z.Add(z);
    }

    public long TimeAt(int i) => _t[i];

    public int XAt(int i) => _x[i];

    public int YAt(int i) => _y[i];

    public int ZAt(int i) => _z[i];
}
