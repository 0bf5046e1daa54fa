namespace SmartCommunity.Firmware.FallEval;

/// <summary>
/// Synthetic 50 Hz traces of a torso-worn sensor, shaped after the phases reported for real falls
/// (pre-fall activity, 200–450 ms of reduced gravity while the body drops and rotates, an impact spike
/// of 2.7–6 g, bouncing, then lying still) and after everyday activities that stress a detector.
/// Axes: x frontal, y vertical (+1 g upright), z lateral. Seeded, so every run sees the same traces.
/// </summary>
public static class SyntheticTraces
{
    public const int SampleMs = 20;

    public static readonly string[] FallKinds = ["forward-trip", "backward-slip", "sideways", "collapse", "fall-from-chair", "soft-fall", "slide-down-wall"];

    public static readonly string[] NonFallKinds = ["walking", "sit-down-hard", "lie-down-on-bed", "stand-up-from-bed", "fall-then-get-up"];

    public static AccelTrace Fall(string kind, int seed)
    {
        var r = new Random(seed);
        var g = new Gen($"{kind}#{seed}", r);
        switch (kind)
        {
            case "forward-trip":
                g.Walk(3000);
                g.Drop(Rand(r, 250, 450), Rand(r, 150, 400), target: Tilt(r, -1000, 0, 0));
                g.Impact(Rand(r, 3000, 6000));
                g.Lie(Tilt(r, -1000, 0, 0), 12000);
                break;
            case "backward-slip":
                g.Walk(3000);
                g.Drop(Rand(r, 250, 400), Rand(r, 100, 350), target: Tilt(r, 1000, 0, 0));
                g.Impact(Rand(r, 3500, 6000));
                g.Lie(Tilt(r, 1000, 0, 0), 12000);
                break;
            case "sideways":
                g.Stand(3000);
                g.Drop(Rand(r, 200, 400), Rand(r, 150, 450), target: Tilt(r, 0, 0, r.Next(2) == 0 ? 1000 : -1000));
                g.Impact(Rand(r, 2700, 5000));
                g.Lie(g.Last, 12000);
                break;
            case "collapse":
                // Fainting: a slower, shallower drop (knees buckle first) and a softer impact.
                g.Stand(4000);
                g.Slump(800, 700);
                g.Drop(Rand(r, 200, 300), Rand(r, 300, 450), target: Tilt(r, 0, 0, 1000));
                g.Impact(Rand(r, 2700, 3500));
                g.Lie(g.Last, 12000);
                break;
            case "soft-fall":
                // A frail person going down partly supported (grabbing furniture, knees first) onto a
                // carpet: a shallow drop and a soft impact spread around the default thresholds, to show
                // where the detector stops seeing falls.
                g.Walk(3000);
                g.Drop(Rand(r, 200, 400), Rand(r, 350, 700), target: Tilt(r, -1000, 0, 300));
                g.Impact(Rand(r, 1800, 3200));
                g.Lie(g.Last, 12000);
                break;
            case "slide-down-wall":
                // Sliding down to the floor without dropping: no free fall, no hard impact. A threshold
                // detector cannot see this; it is here so the reported rate shows that limit.
                g.Stand(3000);
                g.Slump(1500, 750);
                g.Rotate(Tilt(r, 0, 0, 1000), 1500);
                g.Lie(g.Last, 12000);
                break;
            default: // fall-from-chair: sitting, leaning, sliding off onto the floor
                g.Sit(Tilt(r, 250, 970, 0), 4000);
                g.Drop(Rand(r, 200, 350), Rand(r, 200, 450), target: Tilt(r, -1000, 150, 0));
                g.Impact(Rand(r, 2800, 4500));
                g.Lie(g.Last, 12000);
                break;
        }

        return g.Trace;
    }

    public static AccelTrace NonFall(string kind, int seed)
    {
        var r = new Random(seed);
        var g = new Gen($"{kind}#{seed}", r);
        switch (kind)
        {
            case "walking":
                g.Walk(60000);
                break;
            case "sit-down-hard":
                // Dropping onto a chair: a short dip (it can cross the free-fall threshold), a 2–3 g jolt,
                // then sitting still with the torso leaned back a little — upright, so no alarm.
                g.Walk(3000);
                g.Drop(Rand(r, 150, 250), Rand(r, 350, 480), target: Tilt(r, 300, 950, 0));
                g.Impact(Rand(r, 2600, 3200));
                g.Sit(g.Last, 10000);
                break;
            case "lie-down-on-bed":
                g.Stand(3000);
                g.Sit(Tilt(r, 200, 980, 0), 3000);
                g.Rotate(Tilt(r, 1000, 0, 0), 2000);
                g.Lie(g.Last, 15000);
                break;
            case "stand-up-from-bed":
                g.Lie(Tilt(r, 1000, 0, 0), 5000);
                g.Rotate(Tilt(r, 200, 980, 0), 2000);
                g.Sit(g.Last, 2000);
                g.Walk(8000);
                break;
            default: // fall-then-get-up: a real fall the person recovers from within seconds
                g.Walk(3000);
                g.Drop(300, 250, target: Tilt(r, -1000, 0, 0));
                g.Impact(4000);
                g.Lie(g.Last, 1500);
                g.Rotate(Tilt(r, 200, 980, 0), 1500);
                g.Walk(8000);
                break;
        }

        return g.Trace;
    }

    private static int Rand(Random r, int lo, int hi) => r.Next(lo, hi + 1);

    // A gravity direction perturbed by up to ~20°, normalised to 1 g.
    private static (int X, int Y, int Z) Tilt(Random r, int x, int y, int z)
    {
        double dx = x + r.Next(-350, 351), dy = y + r.Next(-350, 351), dz = z + r.Next(-350, 351);
        var n = Math.Sqrt(dx * dx + dy * dy + dz * dz) / 1000.0;
        return ((int)(dx / n), (int)(dy / n), (int)(dz / n));
    }

    private sealed class Gen(string name, Random r)
    {
        private long _t;

        public AccelTrace Trace { get; } = new(name);

        public (int X, int Y, int Z) Last { get; private set; } = (0, 1000, 0);

        public void Stand(int ms) => Hold((0, 1000, 0), ms, 25);

        public void Sit((int X, int Y, int Z) g, int ms) => Hold(g, ms, 20);

        public void Lie((int X, int Y, int Z) g, int ms) => Hold(g, ms, 15);

        public void Walk(int ms)
        {
            var f = 1.6 + r.NextDouble() * 0.5; // steps per second
            for (var t = 0; t < ms; t += SampleMs)
            {
                var s = t / 1000.0;
                Emit(
                    (int)(80 * Math.Sin(2 * Math.PI * f * s + 1)),
                    1000 + (int)(280 * Math.Sin(2 * Math.PI * f * s)),
                    (int)(90 * Math.Sin(Math.PI * f * s)),
                    30);
            }

            Last = (0, 1000, 0);
        }

        // Knees buckling: gravity sags to `depth` mg while the torso stays roughly upright.
        public void Slump(int ms, int depth)
        {
            for (var t = 0; t < ms; t += SampleMs)
            {
                var k = 1000 - (1000 - depth) * Math.Sin(Math.PI * t / ms);
                Emit(0, (int)k, 0, 25);
            }
        }

        // The fall: the measured acceleration shrinks towards `floorMg` (partial free fall) while the
        // body rotates towards its lying orientation.
        public void Drop(int ms, int floorMg, (int X, int Y, int Z) target)
        {
            var from = Last;
            for (var t = 0; t < ms; t += SampleMs)
            {
                var p = (double)t / ms;
                var shrink = p < 0.25 ? 1 - (1 - floorMg / 1000.0) * (p / 0.25) : floorMg / 1000.0;
                var x = (from.X + (target.X - from.X) * p) * shrink;
                var y = (from.Y + (target.Y - from.Y) * p) * shrink;
                var z = (from.Z + (target.Z - from.Z) * p) * shrink;
                Emit((int)x, (int)y, (int)z, 30);
            }

            Last = target;
        }

        // Impact spike along the fall direction, then ~400 ms of damped bouncing.
        public void Impact(int peakMg)
        {
            var d = Last;
            Emit(d.X * peakMg / 1000 / 2, d.Y * peakMg / 1000 / 2 + 300, d.Z * peakMg / 1000 / 2, 50);
            Emit(d.X * peakMg / 1000, d.Y * peakMg / 1000 + 200, d.Z * peakMg / 1000, 50);
            Emit(d.X * peakMg / 1000 * 2 / 3, d.Y * peakMg / 1000 * 2 / 3, d.Z * peakMg / 1000 * 2 / 3, 50);
            for (var t = 0; t < 400; t += SampleMs)
            {
                var a = 1 + 0.6 * Math.Exp(-t / 120.0) * Math.Sin(2 * Math.PI * t / 90.0);
                Emit((int)(d.X * a), (int)(d.Y * a), (int)(d.Z * a), 60);
            }
        }

        public void Rotate((int X, int Y, int Z) to, int ms)
        {
            var from = Last;
            for (var t = 0; t < ms; t += SampleMs)
            {
                var p = (double)t / ms;
                double x = from.X + (to.X - from.X) * p, y = from.Y + (to.Y - from.Y) * p, z = from.Z + (to.Z - from.Z) * p;
                var n = Math.Sqrt(x * x + y * y + z * z) / 1000.0;
                var bump = 1 + 0.25 * Math.Sin(2 * Math.PI * t / 700.0);
                Emit((int)(x / n * bump), (int)(y / n * bump), (int)(z / n * bump), 40);
            }

            Last = to;
        }

        private void Hold((int X, int Y, int Z) g, int ms, int noise)
        {
            for (var t = 0; t < ms; t += SampleMs)
            {
                Emit(g.X, g.Y, g.Z, noise);
            }

            Last = g;
        }

        private void Emit(int x, int y, int z, int noise)
        {
            Trace.Add(_t, x + Noise(noise), y + Noise(noise), z + Noise(noise));
            _t += SampleMs;
        }

        // Sum of uniforms: cheap, roughly Gaussian sensor noise.
        private int Noise(int amplitude) => (r.Next(-amplitude, amplitude + 1) + r.Next(-amplitude, amplitude + 1)) / 2;
    }
}
