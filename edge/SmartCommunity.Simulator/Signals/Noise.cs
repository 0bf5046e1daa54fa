namespace SmartCommunity.Simulator.Signals;

internal static class Noise
{
    /// <summary>A normally distributed sample (Box–Muller).</summary>
    public static double Gaussian(this Random random, double mean, double stdDev)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return mean + (stdDev * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }

    /// <summary>A Poisson sample (Knuth); fine for the small rates of a PIR interval.</summary>
    public static int Poisson(this Random random, double lambda)
    {
        if (lambda <= 0)
        {
            return 0;
        }

        var limit = Math.Exp(-lambda);
        var k = 0;
        var p = 1.0;
        do
        {
            k++;
            p *= random.NextDouble();
        }
        while (p > limit && k < 10_000);
        return k - 1;
    }

    /// <summary>A stable per-id seed (string.GetHashCode is randomized per process).</summary>
    public static int StableHash(string text)
    {
        unchecked
        {
            var hash = (int)2166136261;
            foreach (var c in text)
            {
                hash = (hash ^ c) * 16777619;
            }

            return hash;
        }
    }

    public static double HourOfDay(DateTimeOffset localTime) => localTime.TimeOfDay.TotalHours;
}
