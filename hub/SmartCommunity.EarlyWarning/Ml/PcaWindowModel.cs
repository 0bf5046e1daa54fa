using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using SmartCommunity.EarlyWarning.Streaming;

namespace SmartCommunity.EarlyWarning.Ml;

/// <summary>
/// ML.NET RandomizedPca on a series' feature windows, used for its learned subspace. Scoring reads the
/// mean and eigenvectors out of the trained <see cref="PcaModelParameters"/> and computes the absolute
/// reconstruction residual directly: ML.NET's own Score is relative (residual / norm), which calls a
/// near-flat window with a little noise as unusual as a real break, and its prediction engine would cost
/// far more per point than the O(rank·window) arithmetic here.
/// </summary>
public sealed class PcaWindowModel : IWindowModel
{
    private readonly float[] _mean;
    private readonly float[][] _vectors;

    internal PcaWindowModel(float[] mean, float[][] vectors, string version, ITransformer transformer, DataViewSchema schema)
    {
        _mean = mean;
        _vectors = vectors;
        Version = version;
        Transformer = transformer;
        Schema = schema;
    }

    public int Dimension => _mean.Length;
    public int Rank => _vectors.Length;
    public string Version { get; }

    /// <summary>The ML.NET transformer as trained; this is what is persisted.</summary>
    public ITransformer Transformer { get; }
    public DataViewSchema Schema { get; }

    public double Residual(ReadOnlySpan<float> features)
    {
        // Eigenvectors are orthonormal, so |x - m|^2 - sum_k <v_k, x - m>^2 is the squared distance to the subspace.
        Span<float> centered = stackalloc float[_mean.Length];
        double norm2 = 0;
        for (var i = 0; i < centered.Length; i++)
        {
            centered[i] = features[i] - _mean[i];
            norm2 += centered[i] * centered[i];
        }
        double projected = 0;
        foreach (var v in _vectors)
        {
            double dot = 0;
            for (var i = 0; i < centered.Length; i++)
                dot += v[i] * centered[i];
            projected += dot * dot;
        }
        return Math.Sqrt(Math.Max(norm2 - projected, 0));
    }

    /// <summary>Saves the ML.NET model (a zip) to the caller's stream.</summary>
    public void Save(MLContext ml, Stream stream) => ml.Model.Save(Transformer, Schema, stream);

    /// <summary>Loads a model saved by <see cref="Save"/>.</summary>
    public static PcaWindowModel Load(MLContext ml, Stream stream, string version)
    {
        var transformer = ml.Model.Load(stream, out var schema);
        var pca = transformer switch
        {
            // A loaded transformer is typed by the model's interface, not by PcaModelParameters.
            IPredictionTransformer<object> { Model: PcaModelParameters p } => p,
            TransformerChain<ITransformer> chain => chain.OfType<IPredictionTransformer<object>>().Select(t => t.Model).OfType<PcaModelParameters>().Single(),
            _ => throw new InvalidDataException("The stored model is not a RandomizedPca model."),
        };
        return FromParameters(pca, version, transformer, schema);
    }

    internal static PcaWindowModel FromParameters(PcaModelParameters pca, string version, ITransformer transformer, DataViewSchema schema)
    {
        VBuffer<float> mean = default;
        pca.GetMean(ref mean);
        VBuffer<float>[] vectors = [];
        pca.GetEigenVectors(ref vectors, out var rank);
        var dense = new float[rank][];
        for (var k = 0; k < rank; k++)
            dense[k] = vectors[k].DenseValues().ToArray();
        var m = mean.Length > 0 ? mean.DenseValues().ToArray() : new float[dense[0].Length];
        return new PcaWindowModel(m, dense, version, transformer, schema);
    }
}

/// <summary>Trains <see cref="PcaWindowModel"/>s from a series' stored history.</summary>
public static class PcaWindowTrainer
{
    public const int DefaultRank = 3;

    private sealed class Row
    {
        [VectorType]
        public float[] Features { get; set; } = [];
    }

    /// <summary>Replays the history through the same feature window the detector uses, then fits RandomizedPca.
    /// Returns null when the history is too short to learn anything.</summary>
    public static PcaWindowModel? Train(MLContext ml, IEnumerable<double> history, DetectorOptions options, string version, int rank = DefaultRank)
    {
        var features = new WindowFeatures(options.Window, options.LikelihoodAlpha);
        var rows = new List<Row>();
        foreach (var x in history)
        {
            features.Push(x);
            if (!features.Ready)
                continue;
            var f = new float[options.Window];
            features.Write(f);
            rows.Add(new Row { Features = f });
        }
        // A flat history has no subspace to learn (ML.NET reports NaN eigenvectors); the other channels cover it.
        if (rows.Count < 10 * options.Window || rows.All(r => r.Features.All(v => Math.Abs(v) < 1e-6f)))
            return null;
        var schemaDef = SchemaDefinition.Create(typeof(Row));
        schemaDef[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, options.Window);
        var data = ml.Data.LoadFromEnumerable(rows, schemaDef);
        var trainer = ml.AnomalyDetection.Trainers.RandomizedPca(new RandomizedPcaTrainer.Options
        {
            FeatureColumnName = nameof(Row.Features),
            Rank = Math.Min(rank, options.Window - 1),
            EnsureZeroMean = true,
            Seed = 17,
        });
        AnomalyPredictionTransformer<PcaModelParameters> transformer;
        try
        {
            transformer = trainer.Fit(data);
        }
        catch (ArgumentOutOfRangeException)
        {
            // Near-degenerate windows can still make the randomized solver produce NaNs: no model this round.
            return null;
        }
        return PcaWindowModel.FromParameters(transformer.Model, version, transformer, data.Schema);
    }
}
