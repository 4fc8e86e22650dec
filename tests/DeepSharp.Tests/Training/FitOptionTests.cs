using DeepSharp.Data;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Tests.Training;

public class FitOptionTests
{
    private static float[][] Weights(Model model) => model.Parameters.Select(p => p.Value.ToArray()).ToArray();

    private static void SameBits(float[][] a, float[][] b)
    {
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++) Assert.Equal(a[i], b[i]);
    }

    [Fact]
    public void ClassWeightEqualsTheSampleWeightsItImplies()
    {
        var (x, y, labels) = ModelTests.Blobs(96, 2);
        var classWeight = new Dictionary<int, float> { [0] = 3f, [2] = 0.5f };   // class 1 weighs 1
        var sampleWeight = Tensor.FromArray(labels.ToIntArray().Select(c => c == 0 ? 3f : c == 2 ? 0.5f : 1f).ToArray(), 96);
        RandomGenerator.SetGlobalSeed(5);
        var a = CallbackTests.Mlp();
        var ha = a.Fit(x, y, batchSize: 16, epochs: 2, verbose: 0, shuffle: false, classWeight: classWeight);
        RandomGenerator.SetGlobalSeed(5);
        var b = CallbackTests.Mlp();
        var hb = b.Fit(x, y, batchSize: 16, epochs: 2, verbose: 0, shuffle: false, sampleWeight: sampleWeight);
        SameBits(Weights(a), Weights(b));
        Assert.Equal(ha["loss"], hb["loss"]);
        // Sparse labels find the same classes.
        RandomGenerator.SetGlobalSeed(5);
        var c = new Sequential(new Dense(8, Activation.Relu, inputShape: [2]), new Dense(3, Activation.Softmax));
        c.Compile(new Adam(0.01f), new SparseCategoricalCrossentropy());
        c.Fit(x, labels, batchSize: 16, epochs: 2, verbose: 0, shuffle: false, classWeight: classWeight);
        for (int i = 0; i < Weights(a).Length; i++)
            for (int j = 0; j < Weights(a)[i].Length; j++) Assert.Equal(Weights(a)[i][j], Weights(c)[i][j], 4);
    }

    [Fact]
    public void ZeroSampleWeightsLeaveTheWeightsAlone()
    {
        var (x, y, _) = ModelTests.Blobs(32, 2);
        var model = CallbackTests.Mlp();
        model.Build(new Shape(2));
        var before = Weights(model);
        model.Compile(new Sgd(0.1f), new CategoricalCrossentropy());
        model.Fit(x, y, epochs: 1, verbose: 0, sampleWeight: Tensor.Zeros(32));
        SameBits(before, Weights(model));
    }

    [Fact]
    public void InitialEpochResumesTheEpochCount()
    {
        var (x, y, _) = ModelTests.Blobs(32, 2);
        var epochs = new List<int>();
        var history = CallbackTests.Mlp().Fit(x, y, epochs: 5, initialEpoch: 3, verbose: 0,
            callbacks: [new LambdaCallback { EpochBegin = epochs.Add }]);
        Assert.Equal([3, 4], history.Epochs);
        Assert.Equal([3, 4], epochs);
    }

    [Fact]
    public void StepsPerEpochContinuesThroughTheDataAcrossEpochs()
    {
        var (x, y, _) = ModelTests.Blobs(64, 2);                           // 4 batches of 16
        var batchesPerEpoch = new List<int>();
        int count = 0;
        var counter = new LambdaCallback { BatchEnd = (_, _) => count++, EpochEnd = (_, _) => { batchesPerEpoch.Add(count); count = 0; } };
        CallbackTests.Mlp().Fit(x, y, batchSize: 16, epochs: 4, stepsPerEpoch: 3, verbose: 0, callbacks: [counter]);
        // Keras: 3 batches, then the 1 left (the pass runs out), then a new pass: 3, then 1.
        Assert.Equal([3, 1, 3, 1], batchesPerEpoch);
    }

    [Fact]
    public void DataLoaderWithPrefetchTrainsExactlyLikeTensors()
    {
        var (x, y, _) = ModelTests.Blobs(100, 3);
        RandomGenerator.SetGlobalSeed(9);
        var a = CallbackTests.Mlp();
        var ha = a.Fit(x, y, batchSize: 16, epochs: 3, verbose: 0, shuffle: false, validationData: (x, y));
        RandomGenerator.SetGlobalSeed(9);
        var b = CallbackTests.Mlp();
        var loader = new DataLoader(new TensorDataset(x, y), batchSize: 16, shuffle: false, prefetch: 2);
        var hb = b.Fit(loader, epochs: 3, verbose: 0, validationData: new DataLoader(new TensorDataset(x, y), 16, shuffle: false));
        SameBits(Weights(a), Weights(b));
        Assert.Equal(ha["val_loss"], hb["val_loss"]);
        Assert.True(hb["loss"][^1] < hb["loss"][0]);
    }

    [Fact]
    public void ShuffledLoaderIsReproducibleWithPrefetch()
    {
        var (x, y, _) = ModelTests.Blobs(100, 3);
        float[][] Train(int prefetch)
        {
            RandomGenerator.SetGlobalSeed(4);
            var model = CallbackTests.Mlp();
            model.Fit(new DataLoader(new TensorDataset(x, y), 16, shuffle: true, prefetch: prefetch, generator: new RandomGenerator(1)), epochs: 2, verbose: 0);
            return Weights(model);
        }
        SameBits(Train(0), Train(3));
    }

    [Fact]
    public void FromBatchesStreamsAnyBatchSource()
    {
        var (x, y, _) = ModelTests.Blobs(64, 3);
        int passes = 0;
        IEnumerable<Batch> Stream()
        {
            passes++;
            for (int start = 0; start < 64; start += 32) yield return new Batch(x.SliceRows(start, 32).Clone(), y.SliceRows(start, 32).Clone());
        }
        var model = CallbackTests.Mlp(0.05f);
        var history = model.Fit(DataLoader.FromBatches(Stream, batchCount: 2, prefetch: 1), epochs: 5, verbose: 0);
        Assert.Equal(5, passes);
        Assert.True(history["loss"][^1] < history["loss"][0]);
        var evaluation = model.Evaluate(DataLoader.FromBatches(Stream, prefetch: 0));
        Assert.Equal(model.Evaluate(x, y)["loss"], evaluation["loss"], 5);
    }

    [Fact]
    public void ALoaderStoppedEarlyEndsItsThread()
    {
        var (x, y, _) = ModelTests.Blobs(640, 3);
        var loader = new DataLoader(new TensorDataset(x, y), 16, prefetch: 2);
        using (var e = loader.Pass().GetEnumerator()) Assert.True(e.MoveNext());   // disposing joins the producer
        Assert.Equal(40, loader.Pass().Count());
    }

    /// <summary>The options record trains exactly as the named parameters it stands for (tensors map onto it).</summary>
    [Fact]
    public void FitOptionsTrainAsTheNamedParameters()
    {
        var (x, y, _) = ModelTests.Blobs(96, 4);
        var (xv, yv, _) = ModelTests.Blobs(32, 5);
        var seen = new List<int>();
        RandomGenerator.SetGlobalSeed(8);
        var a = CallbackTests.Mlp();
        var ha = a.Fit(x, y, batchSize: 16, epochs: 3, verbose: 0, validationData: (xv, yv), initialEpoch: 1, stepsPerEpoch: 4,
            classWeight: new Dictionary<int, float> { [1] = 2f }, callbacks: [new LambdaCallback { EpochBegin = seen.Add }]);
        RandomGenerator.SetGlobalSeed(8);
        var b = CallbackTests.Mlp();
        var options = new FitOptions
        {
            Epochs = 3,
            Verbose = 0,
            ValidationData = new DataLoader(new TensorDataset(xv, yv), 16, shuffle: false, prefetch: 0),
            InitialEpoch = 1,
            StepsPerEpoch = 4,
            ClassWeight = new Dictionary<int, float> { [1] = 2f },
            Callbacks = [new LambdaCallback { EpochBegin = seen.Add }],
        };
        var hb = b.Fit(new DataLoader(new TensorDataset(x, y), 16, prefetch: 0), options);
        SameBits(Weights(a), Weights(b));
        Assert.Equal([1, 2, 1, 2], seen);
        Assert.Equal(ha.Epochs, hb.Epochs);
        foreach (var (name, values) in ha.Values) Assert.Equal(values, hb[name]);
    }

    [Fact]
    public void FitOptionsAreChecked()
    {
        var (x, y, _) = ModelTests.Blobs(32, 2);
        var model = CallbackTests.Mlp();
        var loader = new DataLoader(new TensorDataset(x, y), 16);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(loader, new FitOptions { Epochs = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(loader, new FitOptions { InitialEpoch = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(loader, new FitOptions { StepsPerEpoch = 0 }));
        Assert.Throws<ArgumentNullException>(() => model.Fit(loader, (FitOptions)null!));
        Assert.Throws<InvalidOperationException>(() => new Sequential(new Dense(1, inputShape: [2])).Fit(loader, new FitOptions()));

        // Class weights need one output: refused before training starts, whatever the form of the data.
        var twoByTwo = MultiIOTests.TwoByTwo();
        twoByTwo.Compile(new Adam(), [new SparseCategoricalCrossentropy(), new MeanSquaredError()]);
        var (xa, xb, labels, value) = MultiIOTests.Data(3);
        var began = false;
        var e = Assert.Throws<ArgumentException>(() => twoByTwo.Fit(new DataLoader(new TensorDataset([xa, xb], [labels, value]), 16),
            new FitOptions { ClassWeight = new Dictionary<int, float> { [0] = 2f }, Callbacks = [new LambdaCallback { TrainBegin = () => began = true }] }));
        Assert.Contains("classWeight is only supported for a model with one output", e.Message);
        Assert.False(began);
    }
}
