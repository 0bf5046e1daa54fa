namespace SmartCommunity.EarlyWarning.Watches;

/// <summary>Holt's linear smoothing on irregular time: a smoothed level and a slope per hour, with time
/// constants instead of per-sample weights so a sensor reporting every minute or every ten behaves alike.</summary>
public sealed class Trend(TimeSpan levelTau, TimeSpan slopeTau)
{
    public double Level { get; set; }
    public double SlopePerHour { get; set; }
    public DateTimeOffset? Last { get; set; }
    public TimeSpan Observed { get; set; }

    public void Add(DateTimeOffset at, double x)
    {
        if (Last is not { } last)
        {
            Level = x;
            Last = at;
            return;
        }
        var dt = (at - last).TotalHours;
        if (dt <= 0)
            return;
        var a = 1 - Math.Exp(-dt / levelTau.TotalHours);
        var b = 1 - Math.Exp(-dt / slopeTau.TotalHours);
        var predicted = Level + SlopePerHour * dt;
        var level = predicted + a * (x - predicted);
        SlopePerHour += b * ((level - Level) / dt - SlopePerHour);
        Level = level;
        Last = at;
        Observed += at - last;
    }
}
