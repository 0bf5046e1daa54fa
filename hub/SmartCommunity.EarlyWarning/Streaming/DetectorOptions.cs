namespace SmartCommunity.EarlyWarning.Streaming;

/// <summary>
/// Settings of <see cref="StreamingDetector"/>. One set for every series: the NAB figures are produced
/// with these defaults and nothing is tuned per file; operator feedback moves only
/// <see cref="StreamingDetector.Sensitivity"/> of the one series it concerns.
/// </summary>
public sealed record DetectorOptions
{
    /// <summary>Points before any score: the baselines need some history to mean anything.</summary>
    public int WarmUp { get; init; } = 300;

    /// <summary>Weight of the newest point in the level baseline (one-step-ahead prediction).</summary>
    public double LevelAlpha { get; init; } = 0.1;

    /// <summary>Seasonal baseline: slots per day (48 = half-hour slots) and the weight of a new day.</summary>
    public int SlotsPerDay { get; init; } = 48;
    public double SeasonalAlpha { get; init; } = 0.3;
    public int SeasonalMinDays { get; init; } = 2;

    /// <summary>A slot's mean learns once per day from that day's mean of the slot (the expectation is then what previous
    /// days did at this time, not what the last few points did); off: every point moves it (the NAB-tuned original).</summary>
    public bool SeasonalPerDay { get; init; } = true;

    /// <summary>With <see cref="SeasonalPerDay"/>: the same slot of the same weekday is a second expectation, the closer of
    /// the two counts (a later heating on weekends).</summary>
    public bool Weekly { get; init; } = true;

    /// <summary>With <see cref="SeasonalPerDay"/>: the time-of-day channel waits until this weekday's slot is known too.</summary>
    public bool SeasonalNeedsWeek { get; init; } = true;

    /// <summary>Hours the time-of-day channel learns its own distribution before it scores.</summary>
    public double SeasonalSettleHours { get; init; } = 24;

    /// <summary>Anomaly likelihood: the recent mean of a raw score is compared with the long-run
    /// distribution of that mean (the HTM "anomaly likelihood" step).</summary>
    public double LikelihoodAlpha { get; init; } = 1.0 / 10000;
    public int ShortWindow { get; init; } = 10;

    /// <summary>The likelihood step's second opinion: the share of recent points (decaying by <see cref="EmpiricalAlpha"/>
    /// per point) that were at least as far out, times this factor, is a floor under the Gaussian tail (a series that is
    /// often this far out needs ~10 % of its points there before it is held back); 0 turns it off.</summary>
    public double EmpiricalFactor { get; init; } = 1e-5;
    public double EmpiricalAlpha { get; init; } = 1.0 / 5000;

    /// <summary>Channels with the histogram: 1 level, 2 time of day, 4 model, 8 novelty. Not the time of day: a bathroom that stays
    /// wet for hours looks like every morning's shower to a histogram of 50-minute means, and only the time of day
    /// tells them apart (the home yardstick found 7 of 12 such windows with it, 12 without).</summary>
    public int EmpiricalChannels { get; init; } = 5;

    /// <summary>Raw scores the likelihood step must have seen before it reports anything.</summary>
    public int MinHistory { get; init; } = 20;


    /// <summary>"Far outside the range seen so far": beyond min/max by this fraction of the range.</summary>
    public double RangeTolerance { get; init; } = 0.02;
    public double RangeScore { get; init; } = 1.0;

    /// <summary>A constant stretch (exactly equal values) of at least <see cref="SteadyRun"/> points that is longer than every
    /// earlier one scores <see cref="SteadyScore"/> on the point it ends (0 turns it off).</summary>
    public int SteadyRun { get; init; } = 100;
    public double SteadyScore { get; init; } = 1.0;

    /// <summary>A firing: score at or above this level; afterwards scores are held down for
    /// <see cref="SuppressFor"/> points, so one event yields one alarm.</summary>
    public double FireLevel { get; init; } = 0.6;
    public int SuppressFor { get; init; } = 100;

    /// <summary>After the hard suppression, a firing keeps costing: the score is lowered by
    /// <see cref="RefractoryPenalty"/>, fading linearly over <see cref="RefractoryFor"/> points, so a series that
    /// alarms often needs ever stronger evidence (a soft per-series alarm budget).</summary>
    public double RefractoryPenalty { get; init; } = 0.3;
    public int RefractoryFor { get; init; } = 1000;

    /// <summary>The model channel's tail probability is multiplied by this before it competes with the
    /// baselines: it sees shapes the baselines cannot, but it also sees more harmless novelty.</summary>
    public double ModelTailFactor { get; init; } = 1;

    /// <summary>Novelty memory (<see cref="AnomalyChannel.Novelty"/>): points averaged per block (0 turns it off), blocks per
    /// shape, quantisation levels over the range of block means seen so far, and bits in the table of shapes seen (at 8,192
    /// bits a long file's few hundred shapes collided often enough to move NAB by a point; 16,384 to 65,536 score the same).</summary>
    public int NoveltyBlock { get; init; } = 6;
    public int NoveltyWindow { get; init; } = 6;
    public int NoveltyLevels { get; init; } = 10;
    public int NoveltyBits { get; init; } = 16384;

    /// <summary>Novelty: the last blocks whose count of new shapes is weighed (binomial tail) against the usual rate of new
    /// shapes (exponentially weighted, this weight per block), once that rate has this many blocks behind it.</summary>
    public int NoveltyShort { get; init; } = 6;
    public double NoveltyRateAlpha { get; init; } = 1.0 / 500;
    public int NoveltyMinBlocks { get; init; } = 30;

    /// <summary>The novelty channel's tail is multiplied by this before it competes with the others.</summary>
    public double NoveltyTailFactor { get; init; } = 1;

    /// <summary>Subtracted from the score while the shape ending at the current point was seen before (not for a value beyond
    /// the range): a burst like earlier bursts needs stronger point-wise evidence.</summary>
    public double FamiliarPenalty { get; init; } = 0.3;

    /// <summary>Points in the window handed to the ML.NET window model.</summary>
    public int Window { get; init; } = 8;

    public static DetectorOptions Default { get; } = new();
}
