using SmartCommunity.Firmware.FallEval;

namespace SmartCommunity.Simulator.Node;

/// <summary>
/// The virtual accelerometer's falls: the synthetic 50 Hz traces of firmware/tools/FallEval (the same
/// generator the detector's figures come from), limited to the kinds the default thresholds detect,
/// so a fall scenario is a fall the wearable's core actually recognises.
/// </summary>
internal static class FallTraces
{
    private static readonly string[] DetectedKinds = ["forward-trip", "backward-slip", "sideways", "collapse", "fall-from-chair"];

    public static AccelTrace Next(Random random)
    {
        int kind, seed;
        lock (random)
        {
            kind = random.Next(DetectedKinds.Length);
            seed = random.Next();
        }

        return SyntheticTraces.Fall(DetectedKinds[kind], seed);
    }
}
