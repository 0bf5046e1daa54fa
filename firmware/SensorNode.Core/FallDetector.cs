namespace SmartCommunity.SensorNode.Core;

/// <summary>
/// Threshold fall detector for a torso-worn 3-axis accelerometer (pendant or belt clip):
/// free fall (|a| below <c>fall_freefall_mg</c> for <c>fall_freefall_min_ms</c>) → impact (|a| above
/// <c>fall_impact_mg</c> within <c>fall_impact_window_ms</c>) → after <c>fall_settle_ms</c> of bouncing,
/// lying still (|a| within 1 g ± <c>fall_still_tol_mg</c> for <c>fall_still_ms</c>) with the torso tilted
/// away from its pre-fall orientation (cos angle below <c>fall_tilt_cos_pct</c>/100).
/// The stillness and tilt stages are what tell a fall from sitting down hard (impact, but upright) and
/// from walking or jumping (no stillness). Works on magnitudes squared in integer milli-g, so no sqrt,
/// no floating point and no allocation per sample.
/// </summary>
public sealed class FallDetector
{
    public const int StateIdle = 0;
    public const int StateFreeFall = 1;
    public const int StateAwaitImpact = 2;
    public const int StateSettling = 3;
    public const int StateStill = 4;

    private const int OneG = 1000;
    // Pre-fall orientation: an exponential average over about 32 samples (0.6 s at 50 Hz).
    private const int OrientationShift = 5;
    // Vectors are divided by this before the tilt test so the squared products fit in a long.
    private const int TiltScale = 16;

    private long _freeFallSq;
    private long _impactSq;
    private long _stillLowSq;
    private long _stillHighSq;
    private int _freeFallMinMs;
    private int _impactWindowMs;
    private int _settleMs;
    private int _stillMs;
    private int _tiltCosPercent;

    private long _avgX;
    private long _avgY;
    private long _avgZ;
    private bool _haveOrientation;
    private long _preX;
    private long _preY;
    private long _preZ;
    private long _freeFallStart;
    private long _freeFallLast;
    private long _stillSumX;
    private long _stillSumY;
    private long _stillSumZ;
    private int _stillSamples;

    public FallDetector(DeviceConfig config)
    {
        Configure(config);
    }

    public int State { get; private set; }

    /// <summary>Time of the impact of the last detected fall.</summary>
    public long ImpactAtMs { get; private set; }

    /// <summary>Falls detected since start (diagnostics and evaluation).</summary>
    public int Detections { get; private set; }

    /// <summary>Impacts after free fall that were then rejected (got up, or stayed upright).</summary>
    public int Rejections { get; private set; }

    public void Configure(DeviceConfig c)
    {
        long ff = c.Get(Setting.FallFreeFallMg);
        long impact = c.Get(Setting.FallImpactMg);
        long tol = c.Get(Setting.FallStillToleranceMg);
        _freeFallSq = ff * ff;
        _impactSq = impact * impact;
        var low = OneG - tol;
        var high = OneG + tol;
        _stillLowSq = low * low;
        _stillHighSq = high * high;
        _freeFallMinMs = c.Get(Setting.FallFreeFallMinMs);
        _impactWindowMs = c.Get(Setting.FallImpactWindowMs);
        _settleMs = c.Get(Setting.FallSettleMs);
        _stillMs = c.Get(Setting.FallStillMs);
        _tiltCosPercent = c.Get(Setting.FallTiltCosPercent);
    }

    public void Reset()
    {
        State = StateIdle;
        _haveOrientation = false;
    }

    /// <summary>Feeds one sample (milli-g per axis).</summary>
    /// <returns>True exactly when a fall is confirmed; <see cref="ImpactAtMs"/> says when it happened.</returns>
    public bool Update(int x, int y, int z, long nowMs)
    {
        var magSq = (long)x * x + (long)y * y + (long)z * z;
        switch (State)
        {
            case StateIdle:
                if (magSq < _freeFallSq)
                {
                    _preX = _avgX >> OrientationShift;
                    _preY = _avgY >> OrientationShift;
                    _preZ = _avgZ >> OrientationShift;
                    _freeFallStart = nowMs;
                    _freeFallLast = nowMs;
                    State = StateFreeFall;
                }
                else
                {
                    Track(x, y, z);
                }

                return false;

            case StateFreeFall:
                if (magSq < _freeFallSq)
                {
                    _freeFallLast = nowMs;
                    return false;
                }

                // Measured between low samples, so a single low reading never counts as a long free fall.
                if (_freeFallLast - _freeFallStart < _freeFallMinMs || !_haveOrientation)
                {
                    State = StateIdle;
                    Track(x, y, z);
                    return false;
                }

                State = StateAwaitImpact;
                return CheckImpact(magSq, nowMs);

            case StateAwaitImpact:
                if (nowMs - _freeFallLast > _impactWindowMs)
                {
                    State = StateIdle;
                    Track(x, y, z);
                    return false;
                }

                return CheckImpact(magSq, nowMs);

            case StateSettling:
                if (nowMs - ImpactAtMs < _settleMs)
                {
                    return false;
                }

                State = StateStill;
                _stillSumX = 0;
                _stillSumY = 0;
                _stillSumZ = 0;
                _stillSamples = 0;
                return Still(x, y, z, magSq, nowMs);

            default:
                return Still(x, y, z, magSq, nowMs);
        }
    }

    private bool CheckImpact(long magSq, long nowMs)
    {
        if (magSq > _impactSq)
        {
            ImpactAtMs = nowMs;
            State = StateSettling;
        }

        return false;
    }

    private bool Still(int x, int y, int z, long magSq, long nowMs)
    {
        if (magSq < _stillLowSq || magSq > _stillHighSq)
        {
            // Moving again: the wearer got up or is walking. No alert; the SOS button stays available.
            Rejections++;
            State = StateIdle;
            return false;
        }

        _stillSumX += x;
        _stillSumY += y;
        _stillSumZ += z;
        _stillSamples++;
        if (nowMs - ImpactAtMs - _settleMs < _stillMs)
        {
            return false;
        }

        State = StateIdle;
        _haveOrientation = false;
        if (!Tilted(_stillSumX / _stillSamples, _stillSumY / _stillSamples, _stillSumZ / _stillSamples))
        {
            Rejections++;
            return false;
        }

        Detections++;
        return true;
    }

    private bool Tilted(long x, long y, long z)
    {
        long px = _preX / TiltScale;
        long py = _preY / TiltScale;
        long pz = _preZ / TiltScale;
        x /= TiltScale;
        y /= TiltScale;
        z /= TiltScale;
        var dot = px * x + py * y + pz * z;
        var norms = (px * px + py * py + pz * pz) * (x * x + y * y + z * z);
        long c = _tiltCosPercent;
        // cos = dot / sqrt(norms) < c / 100, squared without losing the signs.
        if (c > 0)
        {
            return dot < 0 || dot * dot * 10000 < c * c * norms;
        }

        return dot < 0 && dot * dot * 10000 > c * c * norms;
    }

    private void Track(int x, int y, int z)
    {
        if (!_haveOrientation)
        {
            _avgX = (long)x << OrientationShift;
            _avgY = (long)y << OrientationShift;
            _avgZ = (long)z << OrientationShift;
            _haveOrientation = true;
            return;
        }

        _avgX += x - (_avgX >> OrientationShift);
        _avgY += y - (_avgY >> OrientationShift);
        _avgZ += z - (_avgZ >> OrientationShift);
    }
}
