using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Metrics;

/// <summary>
/// PearsonCorrelation and ConcordanceCorrelation: Keras's documented examples, its test's per-row values, a streaming
/// mean over batches, other axes and sample weights against the formulas computed here in double, names and model files.
/// </summary>
public sealed class CorrelationMetricTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    // keras/src/metrics/correlation_metrics_test.py's data.
    private static readonly float[] T = [0f, 1f, 0.5f, 1f, 1f, 0.2f, 1f, 1f, 0.1f, 0.1f, 0.7f, 0f];
    private static readonly float[] P = [0.1f, 0.9f, 0.5f, 1f, 0.9f, 0.2f, 0.2f, 0.8f, 0f, 0.3f, 0.3f, 0.9f];
    private static readonly double[] s_concordance = [0.97560976, 0.98765432, 0.46511628, -0.46376812];
    private static readonly double[] s_pearson = [1, 0.99339927, 0.69337525, -0.60999428];

    private static Tensor Rows(float[] data, int from, int count) => Tensor.FromArray(data.Skip(3 * from).Take(3 * count).ToArray(), count, 3);

    /// <summary>Pearson's r by its textbook formula, Σ(x − x̄)(y − ȳ) / √(Σ(x − x̄)² Σ(y − ȳ)²); 0 for a series that never varies (Keras 3).</summary>
    private static double Pearson(double[] x, double[] y)
    {
        double mx = x.Average(), my = y.Average();
        double sxy = x.Zip(y, (a, b) => (a - mx) * (b - my)).Sum();
        double denominator = Math.Sqrt(x.Sum(a => (a - mx) * (a - mx)) * y.Sum(b => (b - my) * (b - my)));
        return denominator < 1e-6 ? 0 : sxy / denominator;
    }

    /// <summary>Lin's coefficient 2·s_xy / (s_x² + s_y² + (x̄ − ȳ)²), population moments.</summary>
    private static double Lin(double[] x, double[] y)
    {
        double mx = x.Average(), my = y.Average(), n = x.Length;
        double sxy = x.Zip(y, (a, b) => (a - mx) * (b - my)).Sum() / n;
        return 2 * sxy / (x.Sum(a => (a - mx) * (a - mx)) / n + y.Sum(b => (b - my) * (b - my)) / n + (mx - my) * (mx - my));
    }

    [Fact]
    public void KerasDocumentedExamples()
    {
        var pcc = new PearsonCorrelation();
        pcc.Update(Rows(T, 0, 2), Rows(P, 0, 2));
        Assert.Equal(0.9966996338993913, pcc.Result(), 1e-5);              // keras.metrics.PearsonCorrelation docstring
        var ccc = new ConcordanceCorrelation();
        ccc.Update(Rows(T, 0, 2), Rows(P, 0, 2));
        Assert.Equal(0.9816320385426076, ccc.Result(), 1e-5);              // keras.metrics.ConcordanceCorrelation docstring
    }

    [Fact]
    public void BatchesAddToOneMeanOverRows()
    {
        var pcc = new PearsonCorrelation();
        var ccc = new ConcordanceCorrelation();
        foreach (var m in new Metric[] { pcc, ccc }) m.Update(Rows(T, 0, 2), Rows(P, 0, 2));
        Assert.Equal(s_pearson.Take(2).Average(), pcc.Result(), 1e-5);
        foreach (var m in new Metric[] { pcc, ccc }) m.Update(Rows(T, 2, 2), Rows(P, 2, 2));
        Assert.Equal(s_pearson.Average(), pcc.Result(), 1e-5);
        Assert.Equal(s_concordance.Average(), ccc.Result(), 1e-5);
        // The same as the formulas computed here, row by row.
        var rowsT = T.Chunk(3).Select(r => r.Select(v => (double)v).ToArray()).ToArray();
        var rowsP = P.Chunk(3).Select(r => r.Select(v => (double)v).ToArray()).ToArray();
        Assert.Equal(rowsT.Zip(rowsP, Pearson).Average(), pcc.Result(), 1e-5);
        Assert.Equal(rowsT.Zip(rowsP, Lin).Average(), ccc.Result(), 1e-5);
        // A checkpoint's state resumes the mean; Reset clears it.
        var copy = new PearsonCorrelation();
        Assert.True(copy.SetState(pcc.GetState()));
        Assert.Equal(pcc.Result(), copy.Result());
        pcc.Reset();
        Assert.Equal(0, pcc.Result());
    }

    [Fact]
    public void ASeriesThatNeverVariesScoresZero()
    {
        var pcc = new PearsonCorrelation();
        pcc.Update(Tensor.FromArray([0.1f, 0.5f, 0.9f, 2f, 2f, 2f], 2, 3), Tensor.FromArray([0.2f, 0.4f, 0.6f, 0.1f, 0.5f, 0.9f], 2, 3));
        Assert.Equal((1 + 0) / 2.0, pcc.Result(), 1e-5);                   // Keras: the zero-variance row maps to 0, not NaN
        Assert.False(double.IsNaN(pcc.Result()));
    }

    [Fact]
    public void SampleWeightsWeighTheRows()
    {
        var pcc = new PearsonCorrelation();
        pcc.Update(Rows(T, 0, 4), Rows(P, 0, 4), Tensor.FromArray([1f, 2f, 0f, 3f], 4));
        Assert.Equal((s_pearson[0] + 2 * s_pearson[1] + 3 * s_pearson[3]) / 6, pcc.Result(), 1e-5);
    }

    [Fact]
    public void OtherAxesRunTheSeriesAlongThem()
    {
        // axis 0 on (4, 3): one series per column, down the batch.
        var columnsT = Enumerable.Range(0, 3).Select(c => Enumerable.Range(0, 4).Select(r => (double)T[3 * r + c]).ToArray()).ToArray();
        var columnsP = Enumerable.Range(0, 3).Select(c => Enumerable.Range(0, 4).Select(r => (double)P[3 * r + c]).ToArray()).ToArray();
        var ccc = new ConcordanceCorrelation(axis: 0);
        ccc.Update(Rows(T, 0, 4), Rows(P, 0, 4));
        Assert.Equal(columnsT.Zip(columnsP, Lin).Average(), ccc.Result(), 1e-5);
        var pcc = new PearsonCorrelation(axis: -2);
        pcc.Update(Rows(T, 0, 4), Rows(P, 0, 4));
        Assert.Equal(columnsT.Zip(columnsP, Pearson).Average(), pcc.Result(), 1e-5);

        // axis 1 of (2, 2, 3): per sample, one series per last-axis position, each of length 2.
        var t3 = Tensor.FromArray((float[])T.Clone(), 2, 2, 3);
        var p3 = Tensor.FromArray((float[])P.Clone(), 2, 2, 3);
        var middle = new PearsonCorrelation(axis: 1);
        middle.Update(t3, p3, Tensor.FromArray([1f, 3f], 2));
        double expected = 0;
        for (int b = 0; b < 2; b++)
            for (int c = 0; c < 3; c++)
            {
                double[] x = [T[6 * b + c], T[6 * b + 3 + c]], y = [P[6 * b + c], P[6 * b + 3 + c]];
                expected += (b == 0 ? 1 : 3) * Pearson(x, y);
            }
        Assert.Equal(expected / 12, middle.Result(), 1e-4);

        // (batch,) predictions are one series, the whole batch.
        var flat = new PearsonCorrelation();
        flat.Update(Tensor.FromArray(T.Take(4).ToArray(), 4), Tensor.FromArray(P.Take(4).ToArray(), 4));
        Assert.Equal(Pearson([.. T.Take(4).Select(v => (double)v)], [.. P.Take(4).Select(v => (double)v)]), flat.Result(), 1e-5);
    }

    [Fact]
    public void BadInputNamesTheMetricAndTheShapes()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => new PearsonCorrelation().Update(Rows(T, 0, 2), Rows(P, 0, 1)));
        Assert.Contains("PearsonCorrelation", e.Message);
        Assert.Contains("(1, 3)", e.Message);
        e = Assert.Throws<ShapeMismatchException>(() => new ConcordanceCorrelation(axis: 2).Update(Rows(T, 0, 2), Rows(P, 0, 2)));
        Assert.Contains("axis 2", e.Message);
        e = Assert.Throws<ShapeMismatchException>(() => new ConcordanceCorrelation(axis: 0).Update(Rows(T, 0, 2), Rows(P, 0, 2), Tensor.FromArray([1f, 1f], 2)));
        Assert.Contains("ConcordanceCorrelation", e.Message);
    }

    [Fact]
    public void KerasNamesCompileAndAModelFileKeepsTheAxis()
    {
        Assert.IsType<PearsonCorrelation>(Metric.FromName("pearson_correlation"));
        Assert.IsType<ConcordanceCorrelation>(Metric.FromName("ConcordanceCorrelation"));
        Assert.Equal(-1, new PearsonCorrelation().Axis);
        RandomGenerator.SetGlobalSeed(4);
        var x = Tensor.RandomNormal(new Shape(32, 4));
        var y = Tensor.RandomNormal(new Shape(32, 3));
        var model = new Sequential(new Dense(3, inputShape: [4]));
        model.Compile(new Adam(), new DeepSharp.Losses.MeanSquaredError(), ["pearson_correlation", new ConcordanceCorrelation(axis: 0)]);
        var history = model.Fit(x, y, batchSize: 32, epochs: 1, verbose: 0);
        Assert.True(history.Values.ContainsKey("pearson_correlation") && history.Values.ContainsKey("concordance_correlation"));
        string path = Path.Combine(_temp.Path, "correlation.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.IsType<PearsonCorrelation>(loaded.Metrics[0]);
        Assert.Equal(0, Assert.IsType<ConcordanceCorrelation>(loaded.Metrics[1]).Axis);
        Assert.Equal(model.Evaluate(x, y, batchSize: 32), loaded.Evaluate(x, y, batchSize: 32));
    }
}
