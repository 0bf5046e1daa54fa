namespace SmartCommunity.Simulator.Signals;

/// <summary>
/// A front door used a few times a day between 07:00 and 21:00: it opens, and closes again
/// 15–90 seconds later. Nobody goes out at night.
/// </summary>
public sealed class DoorRoutine(Random random)
{
    public const double FirstHour = 7;
    public const double LastHour = 21;
    public static readonly TimeSpan MeanTimeBetweenUses = TimeSpan.FromHours(3);

    public bool IsOpen { get; private set; }

    /// <summary>Simulated time until the door next changes state.</summary>
    public TimeSpan NextChangeIn(DateTimeOffset localNow)
    {
        if (IsOpen)
        {
            return TimeSpan.FromSeconds(15 + (random.NextDouble() * 75));
        }

        var wait = TimeSpan.FromHours(-Math.Log(1.0 - random.NextDouble()) * MeanTimeBetweenUses.TotalHours);
        var at = localNow + wait;
        var hour = at.TimeOfDay.TotalHours;
        if (hour >= FirstHour && hour < LastHour && at.Date == localNow.Date)
        {
            return wait;
        }

        // Too late (or the next day): push it into the next morning, 07:00–09:00.
        var morning = localNow.TimeOfDay.TotalHours < FirstHour ? localNow.Date : localNow.Date.AddDays(1);
        var next = new DateTimeOffset(morning, localNow.Offset).AddHours(FirstHour + (random.NextDouble() * 2));
        return next - localNow;
    }

    /// <summary>Toggles the door and returns its new state (true = open).</summary>
    public bool Toggle()
    {
        IsOpen = !IsOpen;
        return IsOpen;
    }
}
