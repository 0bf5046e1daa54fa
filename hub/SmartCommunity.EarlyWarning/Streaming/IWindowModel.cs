namespace SmartCommunity.EarlyWarning.Streaming;

/// <summary>A trained model that scores the shape of the most recent window of a series: the larger the
/// residual, the less the window looks like the history it was trained on. Implementations are immutable,
/// so a retrained model can be swapped in while the detector runs.</summary>
public interface IWindowModel
{
    int Dimension { get; }

    /// <summary>A version string persisted with the detector state, so a restart can tell which model it was using.</summary>
    string Version { get; }

    /// <summary>Absolute reconstruction residual of a feature window (length <see cref="Dimension"/>).</summary>
    double Residual(ReadOnlySpan<float> features);
}
