namespace SmartCommunity.EarlyWarning.Streaming;

/// <summary>Which part of the detector saw the anomaly; decides the wording of the explanation.</summary>
public enum AnomalyChannel : byte
{
    None,
    Level,
    Seasonal,
    Model,
    Range,
    Novelty,
    /// <summary>The series left a constant stretch longer than any it had shown before (a stuck or idle sensor moved).</summary>
    Steady,
}

/// <summary>The detector's verdict on one point. <see cref="Score"/> is in [0, 1]; <see cref="Fired"/> is set
/// on the first point of an anomaly (later points of the same event are suppressed). <see cref="Raw"/> is the score
/// before suppression, feedback and the refractory penalty (is the excursion still going on?); <see cref="FarOutside"/>
/// marks a value far beyond everything seen at all (by the whole range or more).</summary>
public readonly record struct DetectorResult(double Score, bool Fired, AnomalyChannel Channel, double Expected, double Seen, double Raw = 0,
    bool FarOutside = false);

/// <summary>
/// One series' streaming anomaly detector: O(1) time and fixed memory per point, no look-ahead.
/// Raw scores from several baselines (level, time-of-day, the ML.NET window model) each go through an
/// anomaly-likelihood step — how unusual is the recent mean of this raw score against its own long-run
/// distribution — and the most unusual channel wins. A value far outside the range seen so far scores
/// high on its own. After a firing, scores are held down for a while so one event is one alarm.
/// </summary>
public sealed class StreamingDetector
{
    // 2: per-day slot folding and the weekly slots. 3: the likelihood channels' histograms. 4: the novelty memory.
    // 5: the longest constant stretch.
    private const int StateVersion = 5;
    private const double TailFloor = 1e-10;
    private const double FarOutside = 1.0;
    private static readonly double LogTailFloor = Math.Log(TailFloor);

    private readonly DetectorOptions _o;
    private readonly double[] _slotMean;
    private readonly int[] _slotDays;
    private readonly long[] _slotLastDay;
    // Per-day folding: today's values of each slot are summed and folded into the slot's mean when the slot comes round on
    // a later day, and into the same slot of that weekday (a home's weekend schedule is not a daily anomaly).
    private readonly double[] _slotTodaySum;
    private readonly int[] _slotTodayCount;
    private readonly double[] _weekMean;
    private readonly int[] _weekDays;
    private readonly LikelihoodChannel _levelChannel;
    private readonly LikelihoodChannel _seasonalChannel;
    private readonly LikelihoodChannel _modelChannel;
    private readonly WindowFeatures _features;
    private readonly NoveltyMemory? _novelty;
    private IWindowModel? _model;
    private Ewm _level;
    private double _min = double.PositiveInfinity;
    private double _max = double.NegativeInfinity;
    private long _count;
    private long _seasonalSince;
    private long _firstSeen;
    private long _suppressedUntil;
    private long _lastFired;
    private int _falseAlarms;
    // The current run of exactly equal values and the longest run the series has ended so far.
    private double _runValue = double.NaN;
    private long _runLength;
    private long _longestRun;

    public StreamingDetector(DetectorOptions? options = null, IWindowModel? model = null)
    {
        _o = options ?? DetectorOptions.Default;
        _slotMean = new double[_o.SlotsPerDay];
        _slotDays = new int[_o.SlotsPerDay];
        _slotLastDay = new long[_o.SlotsPerDay];
        Array.Fill(_slotLastDay, long.MinValue);
        _slotTodaySum = new double[_o.SlotsPerDay];
        _slotTodayCount = new int[_o.SlotsPerDay];
        _weekMean = new double[_o.SlotsPerDay * 7];
        _weekDays = new int[_o.SlotsPerDay * 7];
        _levelChannel = new LikelihoodChannel(_o, (_o.EmpiricalChannels & 1) != 0);
        _seasonalChannel = new LikelihoodChannel(_o, (_o.EmpiricalChannels & 2) != 0);
        _modelChannel = new LikelihoodChannel(_o, (_o.EmpiricalChannels & 4) != 0);
        _features = new WindowFeatures(_o.Window, _o.LikelihoodAlpha);
        _novelty = _o.NoveltyBlock > 0 ? new NoveltyMemory(_o) : null;
        _model = model;
    }

    public DetectorOptions Options => _o;

    private int WeekSlot(long day, int slot) => (int)(((day % 7) + 7) % 7) * _o.SlotsPerDay + slot;
    public long Count => _count;

    /// <summary>Blocks of points whose coarse shape the novelty memory had not seen before (0 when it is off).</summary>
    public int NovelShapes => _novelty?.NovelBlocks ?? 0;

    /// <summary>When the detector saw its first point (null before): how long it has known its series.</summary>
    public DateTimeOffset? FirstSeen => _count == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(_firstSeen);
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
        if (_count++ == 0)
            _firstSeen = unixSeconds;
        var scoring = _count > _o.WarmUp;

        // 1. Level: one-step-ahead prediction by an exponentially weighted mean.
        var levelExpected = _level.Count == 0 ? x : _level.Mean;
        var levelTail = _levelChannel.Update(Math.Abs(x - levelExpected), _o.LikelihoodAlpha);
        _level.Add(x, _o.LevelAlpha);

        // 2. Time of day: the same half hour on previous days; only once a few days are known.
        var secondOfDay = (int)(((unixSeconds % 86400) + 86400) % 86400);
        var slot = secondOfDay * _o.SlotsPerDay / 86400;
        var day = (unixSeconds - secondOfDay) / 86400;
        double seasonalExpected;
        bool slotSeenBefore;
        var seasonalTail = 1.0;
        if (_o.SeasonalPerDay)
        {
            if (_slotLastDay[slot] != day)
            {
                if (_slotTodayCount[slot] > 0)
                {
                    var m = _slotTodaySum[slot] / _slotTodayCount[slot];
                    _slotMean[slot] = _slotDays[slot] == 0 ? m : _slotMean[slot] + _o.SeasonalAlpha * (m - _slotMean[slot]);
                    _slotDays[slot] = Math.Min(_slotDays[slot] + 1, 1_000_000);
                    var w = WeekSlot(_slotLastDay[slot], slot);
                    _weekMean[w] = _weekDays[w] == 0 ? m : _weekMean[w] + _o.SeasonalAlpha * (m - _weekMean[w]);
                    _weekDays[w] = Math.Min(_weekDays[w] + 1, 1_000_000);
                }
                _slotTodaySum[slot] = 0;
                _slotTodayCount[slot] = 0;
                _slotLastDay[slot] = day;
            }
            seasonalExpected = _slotMean[slot];
            slotSeenBefore = _slotDays[slot] > 0;
            var week = WeekSlot(day, slot);
            if (_slotDays[slot] >= _o.SeasonalMinDays && (!_o.SeasonalNeedsWeek || _weekDays[week] > 0))
            {
                var deviation = Math.Abs(x - seasonalExpected);
                if (_seasonalSince == 0)
                    _seasonalSince = unixSeconds;
                if (_o.Weekly && _weekDays[week] > 0 && Math.Abs(x - _weekMean[week]) < deviation)
                {
                    deviation = Math.Abs(x - _weekMean[week]);
                    seasonalExpected = _weekMean[week];
                }
                seasonalTail = _seasonalChannel.Update(deviation, _o.LikelihoodAlpha);
                // The channel's own distribution needs a whole day of deviations (each half hour at least once) before its
                // verdicts mean anything: on its first day every shower is the largest deviation it has seen.
                if (unixSeconds - _seasonalSince < _o.SeasonalSettleHours * 3600)
                    seasonalTail = 1;
            }
            _slotTodaySum[slot] += x;
            _slotTodayCount[slot]++;
        }
        else
        {
            seasonalExpected = _slotMean[slot];
            slotSeenBefore = _slotLastDay[slot] == day ? _slotDays[slot] > 1 : _slotDays[slot] > 0;
            if (_slotDays[slot] >= _o.SeasonalMinDays)
                seasonalTail = _seasonalChannel.Update(Math.Abs(x - seasonalExpected), _o.LikelihoodAlpha);
            if (_slotLastDay[slot] != day)
            {
                _slotLastDay[slot] = day;
                _slotDays[slot] = Math.Min(_slotDays[slot] + 1, 1_000_000);
            }
            _slotMean[slot] = _slotDays[slot] == 1 && _slotMean[slot] == 0 ? x : _slotMean[slot] + _o.SeasonalAlpha * (x - _slotMean[slot]);
        }

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

        // 4. Novelty: a coarse shape of the last few blocks of points that the series has never shown.
        var noveltyTail = Math.Min(1, _o.NoveltyTailFactor * (_novelty?.Update(x) ?? 1.0));

        // 5. Far outside the range seen so far.
        var outside = false;
        var far = false;
        if (_count > 1)
        {
            var span = _max - _min;
            // Only once this time of day has been seen on an earlier day: a new sensor's first afternoon is warmer than
            // its first morning, which is not news.
            outside = slotSeenBefore && span > 0 && (x > _max + _o.RangeTolerance * span || x < _min - _o.RangeTolerance * span);
            far = outside && (x > _max + FarOutside * span || x < _min - FarOutside * span);
        }
        _min = Math.Min(_min, x);
        _max = Math.Max(_max, x);

        // 6. Left a constant stretch longer than every earlier one: the series' longest idle or stuck spell is over.
        var leftSteady = false;
        var steadyValue = _runValue;
        if (x == _runValue)
            _runLength++;
        else
        {
            leftSteady = _o.SteadyRun > 0 && _runLength >= _o.SteadyRun && _runLength > _longestRun;
            _longestRun = Math.Max(_longestRun, _runLength);
            _runValue = x;
            _runLength = 1;
        }

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
        if (noveltyTail < tail)
        {
            tail = noveltyTail;
            channel = AnomalyChannel.Novelty;
        }
        var score = Math.Log(tail + TailFloor) / LogTailFloor;
        if (outside && _o.RangeScore > score)
        {
            score = _o.RangeScore;
            channel = AnomalyChannel.Range;
        }
        if (leftSteady && _o.SteadyScore > score)
        {
            score = _o.SteadyScore;
            channel = AnomalyChannel.Steady;
            expected = steadyValue;
        }
        // A shape the series has shown before is less news than the point-wise channels think (not a value beyond the range,
        // nor the end of the longest constant stretch: its shape is as familiar as every idle spell's).
        if (_novelty is { Familiar: true } && channel is not AnomalyChannel.Range and not AnomalyChannel.Steady)
            score -= _o.FamiliarPenalty;
        var raw = Math.Clamp(score - Damping, 0, 1);
        if (_count <= _suppressedUntil)
            return new DetectorResult(0, false, channel, expected, x, raw, far);
        var sinceFired = _count - _lastFired;
        var refractory = _lastFired > 0 && sinceFired < _o.RefractoryFor ? _o.RefractoryPenalty * (1 - (double)sinceFired / _o.RefractoryFor) : 0;
        score = Math.Clamp(score - Damping - refractory, 0, 1);
        var fired = score >= _o.FireLevel;
        if (fired)
        {
            _suppressedUntil = _count + _o.SuppressFor;
            _lastFired = _count;
        }
        return new DetectorResult(score, fired, channel, expected, x, raw, far);
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
        w.Write(_seasonalSince);
        w.Write(_firstSeen);
        w.Write(_suppressedUntil);
        w.Write(_lastFired);
        w.Write(_falseAlarms);
        w.Write(_min);
        w.Write(_max);
        w.Write(_runValue);
        w.Write(_runLength);
        w.Write(_longestRun);
        _level.Write(w);
        for (var i = 0; i < _slotMean.Length; i++)
        {
            w.Write(_slotMean[i]);
            w.Write(_slotDays[i]);
            w.Write(_slotLastDay[i]);
            w.Write(_slotTodaySum[i]);
            w.Write(_slotTodayCount[i]);
        }
        for (var i = 0; i < _weekMean.Length; i++)
        {
            w.Write(_weekMean[i]);
            w.Write(_weekDays[i]);
        }
        _levelChannel.Write(w);
        _seasonalChannel.Write(w);
        _modelChannel.Write(w);
        _features.Write(w);
        w.Write(_novelty is not null);
        _novelty?.Write(w);
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
            _seasonalSince = r.ReadInt64(),
            _firstSeen = r.ReadInt64(),
            _suppressedUntil = r.ReadInt64(),
            _lastFired = r.ReadInt64(),
            _falseAlarms = r.ReadInt32(),
            _min = r.ReadDouble(),
            _max = r.ReadDouble(),
            _runValue = r.ReadDouble(),
            _runLength = r.ReadInt64(),
            _longestRun = r.ReadInt64(),
            _level = Ewm.Read(r),
        };
        for (var i = 0; i < d._slotMean.Length; i++)
        {
            d._slotMean[i] = r.ReadDouble();
            d._slotDays[i] = r.ReadInt32();
            d._slotLastDay[i] = r.ReadInt64();
            d._slotTodaySum[i] = r.ReadDouble();
            d._slotTodayCount[i] = r.ReadInt32();
        }
        for (var i = 0; i < d._weekMean.Length; i++)
        {
            d._weekMean[i] = r.ReadDouble();
            d._weekDays[i] = r.ReadInt32();
        }
        d._levelChannel.Read(r);
        d._seasonalChannel.Read(r);
        d._modelChannel.Read(r);
        d._features.Read(r);
        if (r.ReadBoolean() != d._novelty is not null)
            throw new InvalidDataException("Detector state was saved with the novelty memory switched differently.");
        d._novelty?.Read(r);
        modelVersion = r.ReadString();
        d._model = modelVersion.Length > 0 ? modelFor?.Invoke(modelVersion) : null;
        return d;
    }
}

/// <summary>The anomaly-likelihood step for one raw score: mean of the last few raw scores, compared with
/// the exponentially weighted distribution of that mean; returns the upper-tail probability. The Gaussian tail alone
/// calls much of a heavy-tailed series rare (counts of tweets burst all the time); so a decaying histogram of the same
/// standardised values counts how often the series has been at least this far out lately, and the larger of the two
/// tails wins: where a tenth of the recent points were as far out, this one is not news.</summary>
internal sealed class LikelihoodChannel(DetectorOptions o, bool empirical)
{
    // Four bins per doubling of z from 0.5 up to 512: z = 40 and z = 200 fall apart (equal-width bins lumped them together
    // and cost NAB 3 points).
    private const int Bins = 40;
    private Ring _recent = new(o.ShortWindow);
    private Ewm _dist;
    private readonly double[] _seen = new double[empirical && o.EmpiricalFactor > 0 ? Bins : 0];
    private double _seenTotal;
    // Decay by growing the weight of each new value instead of shrinking all bins: O(1) per point.
    private double _seenWeight = 1;

    public double Update(double raw, double alpha)
    {
        _recent.Push(raw);
        var avg = _recent.Mean;
        var tail = 1.0;
        if (_dist.Count >= o.MinHistory)
        {
            // A floor on the spread keeps a perfectly flat series from turning rounding noise into alarms.
            var std = Math.Max(_dist.Std, Math.Max(1e-3 * Math.Abs(_dist.Mean), 1e-9));
            var z = (avg - _dist.Mean) / std;
            tail = Gauss.Tail(z);
            if (_seen.Length > 0)
                tail = Math.Max(tail, Empirical(z));
        }
        _dist.Add(avg, alpha);
        return tail;
    }

    private double Empirical(double z)
    {
        var bin = z <= 0.5 ? 0 : (int)Math.Min(4 * Math.Log2(z / 0.5), Bins - 1);
        var tail = 0.0;
        if (_seenTotal / _seenWeight >= o.MinHistory)
        {
            var atLeast = 0.0;
            for (var i = bin; i < Bins; i++)
                atLeast += _seen[i];
            tail = o.EmpiricalFactor * atLeast / _seenTotal;
        }
        _seen[bin] += _seenWeight;
        _seenTotal += _seenWeight;
        _seenWeight /= 1 - o.EmpiricalAlpha;
        if (_seenWeight > 1e100)
        {
            for (var i = 0; i < Bins; i++)
                _seen[i] /= _seenWeight;
            _seenTotal /= _seenWeight;
            _seenWeight = 1;
        }
        return tail;
    }

    public void Write(BinaryWriter w)
    {
        _recent.Write(w);
        _dist.Write(w);
        w.Write(_seen.Length);
        foreach (var x in _seen)
            w.Write(x);
        w.Write(_seenTotal);
        w.Write(_seenWeight);
    }

    public void Read(BinaryReader r)
    {
        _recent = Ring.Read(r);
        _dist = Ewm.Read(r);
        if (r.ReadInt32() != _seen.Length)
            throw new InvalidDataException("Detector state was saved with a different likelihood histogram.");
        for (var i = 0; i < _seen.Length; i++)
            _seen[i] = r.ReadDouble();
        _seenTotal = r.ReadDouble();
        _seenWeight = r.ReadDouble();
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
