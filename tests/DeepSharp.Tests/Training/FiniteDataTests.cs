using DeepSharp.Data;
using DeepSharp.Losses;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Training;

/// <summary>
/// Issue 13, item 5: Fit stops before training on data holding a NaN or an infinity, naming the
/// tensor, the first bad sample and its value; checkFinite: false trains anyway.
/// </summary>
public sealed class FiniteDataTests
{
    private static Sequential Model()
    {
        var model = new Sequential(new Dense(2, inputShape: [3]));
        model.Compile(new Sgd(0.1f), new MeanSquaredError());
        return model;
    }

    private static (Tensor X, Tensor Y) Data(int samples = 10) =>
        (Tensor.RandomNormal(new Shape(samples, 3), generator: new RandomGenerator(1)), Tensor.Zeros(samples, 2));

    [Fact]
    public void NaNInXIsFoundWithItsSample()
    {
        var (x, y) = Data();
        x.Span[7 * 3 + 2] = float.NaN;
        var model = Model();
        var before = model.Parameters.First().Value.ToArray();

        var e = Assert.Throws<NonFiniteDataException>(() => model.Fit(x, y, verbose: 0));

        Assert.Equal("x", e.Tensor);
        Assert.Equal(7, e.SampleIndex);
        Assert.Equal(2, e.ElementIndex);
        Assert.True(float.IsNaN(e.Value));
        Assert.Contains("sample 7", e.Message);
        Assert.Contains("checkFinite", e.Message);
        Assert.Equal(before, model.Parameters.First().Value.ToArray()); // nothing trained
    }

    [Fact]
    public void InfinityInYIsFound()
    {
        var (x, y) = Data();
        y.Span[4 * 2] = float.PositiveInfinity;
        var e = Assert.Throws<NonFiniteDataException>(() => Model().Fit(x, y, verbose: 0));
        Assert.Equal("y", e.Tensor);
        Assert.Equal(4, e.SampleIndex);
        Assert.Equal(float.PositiveInfinity, e.Value);
    }

    [Fact]
    public void BadValidationDataIsFound()
    {
        var (x, y) = Data();
        var (vx, vy) = Data(6);
        vx.Span[5 * 3] = float.NegativeInfinity;
        var e = Assert.Throws<NonFiniteDataException>(() => Model().Fit(x, y, verbose: 0, validationData: (vx, vy)));
        Assert.Equal("validation x", e.Tensor);
        Assert.Equal(5, e.SampleIndex);

        // A DataLoader's validation data, through FitOptions.
        var options = new FitOptions { Verbose = 0, ValidationData = new DataLoader(new TensorDataset(vx, vy), shuffle: false) };
        e = Assert.Throws<NonFiniteDataException>(() => Model().Fit(new DataLoader(new TensorDataset(x, y)), options));
        Assert.Equal("validation x", e.Tensor);
    }

    [Fact]
    public void SampleWeightsAreChecked()
    {
        var (x, y) = Data();
        var weights = Tensor.Ones(10);
        weights.Span[3] = float.NaN;
        var e = Assert.Throws<NonFiniteDataException>(() => Model().Fit(x, y, verbose: 0, sampleWeight: weights));
        Assert.Equal("sampleWeight", e.Tensor);
        Assert.Equal(3, e.SampleIndex);
    }

    [Fact]
    public void TheOptOutTrainsAnyway()
    {
        var (x, y) = Data();
        x.Span[0] = float.NaN;
        var history = Model().Fit(x, y, verbose: 0, checkFinite: false);
        Assert.True(double.IsNaN(history["loss"][0]));

        var options = new FitOptions { Verbose = 0, CheckFinite = false };
        history = Model().Fit(new DataLoader(new TensorDataset(x, y)), options);
        Assert.True(double.IsNaN(history["loss"][0]));
    }

    [Fact]
    public void ABatchSourceIsNotReadAhead()
    {
        var (x, y) = Data();
        x.Span[0] = float.NaN;
        int passes = 0;
        var source = DataLoader.FromBatches(() => { passes++; return [new Batch(x, y)]; }, prefetch: 0);
        Model().Fit(source, new FitOptions { Verbose = 0 });
        Assert.Equal(1, passes);
    }

    [Fact]
    public void TheScanFindsTheFirstBadElementAtEveryLengthAndPlace()
    {
        for (int length = 0; length <= 70; length++)
        {
            var data = new float[length];
            Assert.Equal(-1, FiniteCheck.IndexOfNonFinite(data));
            for (int bad = 0; bad < length; bad++)
            {
                data[bad] = bad % 2 == 0 ? float.NaN : float.NegativeInfinity;
                if (bad + 1 < length) data[length - 1] = float.PositiveInfinity;
                Assert.Equal(bad, FiniteCheck.IndexOfNonFinite(data));
                Array.Clear(data);
            }
        }
        Assert.Equal(-1, FiniteCheck.IndexOfNonFinite([float.MaxValue, -float.MaxValue, float.Epsilon, 0f]));
    }
}
