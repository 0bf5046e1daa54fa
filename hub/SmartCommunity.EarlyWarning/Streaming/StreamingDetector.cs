namespace SmartCommunity.EarlyWarning.Streaming;

/// <summary>Which part of the detector saw the anomaly; decides the wording of the explanation.</summary>
public enum AnomalyChannel : byte
{
    None,
    Level,
    Seasonal,
    Model,
    Range,
}

/// <summary>The detector's verdict on one point. <see cref="Score"/> is in [0, 1]; <see cref="Fired"/> is set
/// on the first point of an anomaly (later points of the same event are suppressed).</summary>
public readonly record struct DetectorResult(double Score, bool Fired, AnomalyChannel Channel, double Expected, double Seen);

/// <summary>
/// One series' streaming anomaly detector: O(1) time and fixed memory per point, no look-ahead.
/// Raw scores from several baselines (level, time-of-day, the ML.NET window model) each go through an
/// anomaly-likelihood step — how unusual is the recent mean of this raw score against its own long-run
/// distribution — and the most unusual channel wins. A value far outside the range seen so far scores
/// high on its own. After a firing, scores are held down for a while so one event is one alarm.
/// </summary>
public sealed class StreamingDetector
{
    private const int StateVersion = 1;
    private const double TailFloor = 1e-10;
    private static readonly double LogTailFloor = Math.Log(TailFloor);

    private readonly DetectorOptions _o;
    // One array of 16-byte slots instead of three arrays (mean, days, last day): 48 slots take 792 bytes instead of
    // 1,032, per series — two series per climate node, so ~0.5 KB per device at 100,000 devices (docs/benchmarks.md).
    private readonly Slot[] _slots;
    private readonly LikelihoodChannel _levelChannel;
    private readonly LikelihoodChannel _seasonalChannel;
    private readonly LikelihoodChannel _modelChannel;
    private readonly WindowFeatures _features;
    private IWindowModel? _model;
    private Ewm _level;
    private double _min = double.PositiveInfinity;
    private double _max = double.NegativeInfinity;
    private long _count;
    private long _suppressedUntil;
    private long _lastFired;
    private int _falseAlarms;

    public StreamingDetector(DetectorOptions? options = null, IWindowModel? model = null)
    {
        _o = options ?? DetectorOptions.Default;
        _slots = new Slot[_o.SlotsPerDay];
        Array.Fill(_slots, new Slot { LastDay = Slot.NoDay });
        _levelChannel = new LikelihoodChannel(_o);
        _seasonalChannel = new LikelihoodChannel(_o);
        _modelChannel = new LikelihoodChannel(_o);
        _features = new WindowFeatures(_o.Window, _o.LikelihoodAlpha);
        _model = model;
    }

    public DetectorOptions Options => _o;
    public long Count => _count;
    public IWindowModel? Model => _model;

    /// <summary>Operator "false alarm" verdicts on this series; each one makes it less eager to fire.</summary>
    public int FalseAlarms => _falseAlarms;

    /// <summary>Swaps in a (re)trained model between two points; the model channel's score history is kept,
    /// since a model trained on the same series keeps residuals on a comparable scale.</summary>
    public void UseModel(IWindowModel? model)
    {
        if (model is not null && model.Dimension != _o.Window)
            throw new ArgumentException($"Model expects {model.Dimension} features, the detector builds {_o.Window}.", nameof(model));
        Volatile.Write(ref _model, model);
    }

    /// <summary>Records an operator "false alarm" on this series: each one removes a share of the score, so the
    /// same kind of excursion needs to be markedly rarer before it alarms again (at most five steps).</summary>
    public void FalseAlarm() => _falseAlarms = Math.Min(_falseAlarms + 1, 1000);

    /// <summary>Records an operator "real" on this series: a true anomaly is no reason to be less eager, so the last
    /// "false alarm" step and the refractory penalty of the firing are taken back.</summary>
    public void Confirmed()
    {
        _falseAlarms = Math.Max(_falseAlarms - 1, 0);
        _lastFired = 0;
    }

    private double Damping => Math.Min(_falseAlarms, 5) * 0.08;

    public DetectorResult Update(DateTimeOffset at, double value) => Update(at.ToUnixTimeSeconds(), value);

    public DetectorResult Update(long unixSeconds, double x)
    {
        _count++;
        var scoring = _count > _o.WarmUp;

        // 1. Level: one-step-ahead prediction by an exponentially weighted mean.
        var levelExpected = _level.Count == 0 ? x : _level.Mean;
        var levelTail = _levelChannel.Update(Math.Abs(x - levelExpected), _o.LikelihoodAlpha);
        _level.Add(x, _o.LevelAlpha);

        // 2. Time of day: the same half hour on previous days; only once a few days are known.
        var secondOfDay = (int)(((unixSeconds % 86400) + 86400) % 86400);
        var slot = secondOfDay * _o.SlotsPerDay / 86400;
        var day = (unixSeconds - secondOfDay) / 86400;
        ref var s = ref _slots[slot];
        var seasonalExpected = s.Mean;
        var slotSeenBefore = s.LastDay == day ? s.Days > 1 : s.Days > 0;
        var seasonalTail = 1.0;
        if (s.Days >= _o.SeasonalMinDays)
            seasonalTail = _seasonalChannel.Update(Math.Abs(x - seasonalExpected), _o.LikelihoodAlpha);
        if (s.LastDay != day)
        {
            s.LastDay = Slot.Day(day);
            s.Days = Math.Min(s.Days + 1, 1_000_000);
        }
        s.Mean = s.Days == 1 && s.Mean == 0 ? x : s.Mean + _o.SeasonalAlpha * (x - s.Mean);

        // 3. The ML.NET window model: how well the recent shape is explained by the trained subspace.
        var modelTail = 1.0;
        _features.Push(x);
        var model = Volatile.Read(ref _model);
        if (model is not null && _features.Ready)
        {
            Span<float> f = stackalloc float[_o.Window];
            _features.Write(f);
            modelTail = Math.Min(1, _o.ModelTailFactor * _modelChannel.Update(model.Residual(f), _o.LikelihoodAlpha));
        }

        // 4. Far outside the range seen so far.
        var outside = false;
        if (_count > 1)
        {
            var span = _max - _min;
            // Only once this time of day has been seen on an earlier day: a new sensor's first afternoon is warmer than
            // its first morning, which is not news.
            outside = slotSeenBefore && span > 0 && (x > _max + _o.RangeTolerance * span || x < _min - _o.RangeTolerance * span);
        }
        _min = Math.Min(_min, x);
        _max = Math.Max(_max, x);

        if (!scoring)
            return new DetectorResult(0, false, AnomalyChannel.None, levelExpected, x);

        var tail = levelTail;
        var channel = AnomalyChannel.Level;
        var expected = levelExpected;
        if (seasonalTail < tail)
        {
            tail = seasonalTail;
            channel = AnomalyChannel.Seasonal;
            expected = seasonalExpected;
        }
        if (modelTail < tail)
        {
            tail = modelTail;
            channel = AnomalyChannel.Model;
        }
        var score = Math.Log(tail + TailFloor) / LogTailFloor;
        if (outside && _o.RangeScore > score)
        {
            score = _o.RangeScore;
            channel = AnomalyChannel.Range;
        }
        if (_count <= _suppressedUntil)
            return new DetectorResult(0, false, channel, expected, x);
        var sinceFired = _count - _lastFired;
        var refractory = _lastFired > 0 && sinceFired < _o.RefractoryFor ? _o.RefractoryPenalty * (1 - (double)sinceFired / _o.RefractoryFor) : 0;
        score = Math.Clamp(score - Damping - refractory, 0, 1);
        var fired = score >= _o.FireLevel;
        if (fired)
        {
            _suppressedUntil = _count + _o.SuppressFor;
            _lastFired = _count;
        }
        return new DetectorResult(score, fired, channel, expected, x);
    }

    /// <summary>Writes the whole state (a few kilobytes) so the detector resumes after a restart where it stopped.
    /// The model is not part of it: it is persisted on its own and named here by version.</summary>
    public void Save(Stream stream)
    {
        using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        w.Write(StateVersion);
        w.Write(_o.SlotsPerDay);
        w.Write(_o.Window);
        w.Write(_o.ShortWindow);
        w.Write(_count);
        w.Write(_suppressedUntil);
        w.Write(_lastFired);
        w.Write(_falseAlarms);
        w.Write(_min);
        w.Write(_max);
        _level.Write(w);
        foreach (var s in _slots)
        {
            w.Write(s.Mean);
            w.Write(s.Days);
            w.Write(s.LastDay == Slot.NoDay ? long.MinValue : s.LastDay);
        }
        _levelChannel.Write(w);
        _seasonalChannel.Write(w);
        _modelChannel.Write(w);
        _features.Write(w);
        w.Write(_model?.Version ?? "");
    }

    /// <summary>Restores a detector saved by <see cref="Save"/>; the caller passes the model it loaded for the
    /// saved <paramref name="modelVersion"/> (or a newer one).</summary>
    public static StreamingDetector Restore(Stream stream, DetectorOptions? options, Func<string, IWindowModel?>? modelFor, out string modelVersion)
    {
        using var r = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        var version = r.ReadInt32();
        if (version != StateVersion)
            throw new InvalidDataException($"Detector state version {version} is not supported (expected {StateVersion}).");
        var o = options ?? DetectorOptions.Default;
        if (r.ReadInt32() != o.SlotsPerDay || r.ReadInt32() != o.Window || r.ReadInt32() != o.ShortWindow)
            throw new InvalidDataException("Detector state was saved with different slot, window or short-window sizes.");
        var d = new StreamingDetector(o)
        {
            _count = r.ReadInt64(),
            _suppressedUntil = r.ReadInt64(),
            _lastFired = r.ReadInt64(),
            _falseAlarms = r.ReadInt32(),
            _min = r.ReadDouble(),
            _max = r.ReadDouble(),
            _level = Ewm.Read(r),
        };
        for (var i = 0; i < d._slots.Length; i++)
        {
            d._slots[i].Mean = r.ReadDouble();
            d._slots[i].Days = r.ReadInt32();
            var lastDay = r.ReadInt64();
            d._slots[i].LastDay = lastDay == long.MinValue ? Slot.NoDay : Slot.Day(lastDay);
        }
        d._levelChannel.Read(r);
        d._seasonalChannel.Read(r);
        d._modelChannel.Read(r);
        d._features.Read(r);
        modelVersion = r.ReadString();
        d._model = modelVersion.Length > 0 ? modelFor?.Invoke(modelVersion) : null;
        return d;
    }
}

/// <summary>One half hour of the day: its running mean, on how many days it was seen, and the last of those days
/// (days since 1970, an int until the year 5.8 million; the saved state keeps the long it always had).</summary>
internal struct Slot
{
    public const int NoDay = int.MinValue;
    public double Mean;
    public int Days;
    public int LastDay;

    public static int Day(long day) => (int)Math.Clamp(day, int.MinValue + 1L, int.MaxValue);
}

/// <summary>The anomaly-likelihood step for one raw score: mean of the last few raw scores, compared with
/// the exponentially weighted distribution of that mean; returns the upper-tail probability.</summary>
internal sealed class LikelihoodChannel(DetectorOptions o)
{
    private Ring _recent = new(o.ShortWindow);
    private Ewm _dist;

    public double Update(double raw, double alpha)
    {
        _recent.Push(raw);
        var avg = _recent.Mean;
        var tail = 1.0;
        if (_dist.Count >= o.MinHistory)
        {
            // A floor on the spread keeps a perfectly flat series from turning rounding noise into alarms.
            var std = Math.Max(_dist.Std, Math.Max(1e-3 * Math.Abs(_dist.Mean), 1e-9));
            tail = Gauss.Tail((avg - _dist.Mean) / std);
        }
        _dist.Add(avg, alpha);
        return tail;
    }

    public void Write(BinaryWriter w)
    {
        _recent.Write(w);
        _dist.Write(w);
    }

    public void Read(BinaryReader r)
    {
        _recent = Ring.Read(r);
        _dist = Ewm.Read(r);
    }
}

/// <summary>The feature window shared by the detector and the trainer: the last N values minus their mean,
/// divided by the series' long-run spread, so the model learns shapes rather than levels.</summary>
public sealed class WindowFeatures(int size, double alpha)
{
    private Ring _values = new(size);
    private Ewm _scale;

    public int Size => size;
    public bool Ready => _values.Count == size && _scale.Count > size;

    public void Push(double x)
    {
        _values.Push(x);
        _scale.Add(x, alpha);
    }

    public void Write(Span<float> features)
    {
        var mean = _values.Mean;
        var std = Math.Max(_scale.Std, 1e-9);
        for (var i = 0; i < size; i++)
            features[i] = (float)((_values.Back(size - 1 - i) - mean) / std);
    }

    internal void Write(BinaryWriter w)
    {
        _values.Write(w);
        _scale.Write(w);
    }

    internal void Read(BinaryReader r)
    {
        _values = Ring.Read(r);
        _scale = Ewm.Read(r);
    }
}
