using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Training;

/// <summary>
/// Predict's fused conv (+ BatchNorm, + ReLU) + max-pool stage: the layers' own results within float32
/// rounding (Winograd's bound where it runs), one sample's bits whatever the batch and thread count,
/// and a cached kernel that follows every change of the weights.
/// </summary>
public class ConvPoolFusionTests
{
    /// <summary>Each model, and the index of the last layer its first fused stage takes.</summary>
    public static TheoryData<string, int> Stages() => new()
    {
        { "convnet", 1 }, { "seed", 1 }, { "bn-relu-same", 3 }, { "relu-layer-valid", 2 }, { "pool3-stride2", 1 }, { "dilated-pool2x3", 2 },
        { "bn-relu-no-pool", 2 }, { "direct-no-pool", 0 },
    };

    private static Sequential Model(string stage) => stage switch
    {
        "convnet" => new Sequential(new Conv2D(32, (3, 3), activation: Activation.Relu, inputShape: [28, 28, 1]), new MaxPooling2D((2, 2)),
            new Conv2D(64, (3, 3), activation: Activation.Relu), new MaxPooling2D((2, 2)), new Flatten(), new Dense(10, Activation.Softmax)),
        "seed" => new Sequential(new Conv2D(32, (3, 3), activation: Activation.Relu, inputShape: [28, 28, 1]), new MaxPooling2D((2, 2)),
            new Flatten(), new Dense(16, Activation.Relu), new Dense(10, Activation.Softmax)),
        "bn-relu-same" => new Sequential(new Conv2D(16, (3, 3), padding: Padding.Same, useBias: false, inputShape: [11, 10, 17]), new BatchNormalization(),
            new ActivationLayer(Activation.Relu), new MaxPooling2D((2, 2)), new Flatten(), new Dense(3)),
        "relu-layer-valid" => new Sequential(new Conv2D(20, (3, 3), inputShape: [9, 12, 16]), new ActivationLayer(Activation.Relu),
            new MaxPooling2D((2, 2)), new Flatten(), new Dense(3)),
        "pool3-stride2" => new Sequential(new Conv2D(7, (5, 5), strides: (2, 2), activation: Activation.Relu, inputShape: [23, 19, 3]),
            new MaxPooling2D((3, 3)), new Flatten(), new Dense(3)),
        "dilated-pool2x3" => new Sequential(new Conv2D(5, (3, 3), dilationRate: (2, 2), inputShape: [15, 16, 2]), new BatchNormalization(),
            new MaxPooling2D((2, 3)), new Flatten(), new Dense(3)),
        "bn-relu-no-pool" => new Sequential(new Conv2D(32, (3, 3), padding: Padding.Same, useBias: false, inputShape: [9, 7, 16]), new BatchNormalization(),
            new ActivationLayer(Activation.Relu), new Flatten(), new Dense(3)),
        _ => new Sequential(new Conv2D(8, (3, 3), activation: Activation.Relu, inputShape: [10, 9, 3]), new Flatten(), new Dense(3)),
    };

    private static Tensor Images(Sequential model, int batch, int seed)
    {
        var shape = model.Layers[0].InputShape ?? throw new InvalidOperationException("no input shape");
        return Tensor.RandomUniform(shape.WithBatch(batch), -1f, 1f, new RandomGenerator(seed));
    }

    /// <summary>BatchNormalization's moving statistics moved off (0, 1), so that the fold changes something.</summary>
    private static void PerturbStatistics(Sequential model)
    {
        foreach (var layer in model.Layers)
            if (layer is BatchNormalization bn)
            {
                var mean = bn.MovingMean!.Span;
                var variance = bn.MovingVariance!.Span;
                for (int c = 0; c < mean.Length; c++)
                {
                    mean[c] = 0.1f * (c % 5) - 0.2f;
                    variance[c] = 0.5f + 0.05f * c;
                }
            }
    }

    [Theory]
    [MemberData(nameof(Stages))]
    public void FusedStageMatchesTheLayersOneByOne(string stage, int lastFused)
    {
        RandomGenerator.SetGlobalSeed(21);
        var model = Model(stage);
        var x = Images(model, 3, 22);
        model.Predict(x.SliceRows(0, 1)); // builds
        PerturbStatistics(model);
        using (NoGrad.Scope())
        {
            Assert.NotNull(ConvPoolFusion.TryFused(model.Layers, 0, x, out int last)); // the pattern applies
            Assert.Equal(lastFused, last);
        }
        Tensor expected;
        using (NoGrad.Scope()) expected = model.Call(x, training: false);
        AssertClose(expected, model.Predict(x, batchSize: 3));
    }

    [Fact]
    public void OneSampleHasTheSameBitsAtEveryBatchSizeAndThreadCount()
    {
        RandomGenerator.SetGlobalSeed(23);
        var model = Model("convnet");
        var x = Images(model, 5, 24);
        int saved = DeepSharp.Threads.Count;
        try
        {
            DeepSharp.Threads.Count = 1;
            var whole = model.Predict(x, batchSize: 5).ToArray();
            foreach (int threads in new[] { 1, 2 })
            {
                DeepSharp.Threads.Count = threads;
                Assert.Equal(whole, model.Predict(x, batchSize: 5).ToArray());
                for (int i = 0; i < 5; i++)
                    Assert.Equal(whole.AsSpan(i * 10, 10).ToArray(), model.Predict(x.SliceRows(i, 1)).ToArray());
            }
        }
        finally
        {
            DeepSharp.Threads.Count = saved;
        }
    }

    [Fact]
    public void CachedKernelFollowsEveryChangeOfTheWeights()
    {
        RandomGenerator.SetGlobalSeed(25);
        var model = Model("bn-relu-same");
        model.Compile(new Sgd(0.1f), new MeanSquaredError());
        var x = Images(model, 4, 26);
        var before = model.Predict(x).ToArray();
        Assert.Equal(before, model.Predict(x).ToArray()); // the cached kernel serves the second call

        // Written through the tensor's span, as a user could.
        var kernel = model.Layers[0].Parameters.Single(p => p.Name == "kernel").Value;
        kernel.Span[0] += 0.5f;
        AssertMatchesLayers(model, x);
        Assert.NotEqual(before, model.Predict(x).ToArray());

        // SetWeights on the convolution, then on the BatchNormalization's statistics.
        var weights = model.Layers[0].GetWeights();
        weights[0].Span.Fill(0.01f);
        model.Layers[0].SetWeights(weights);
        AssertMatchesLayers(model, x);
        PerturbStatistics(model);
        AssertMatchesLayers(model, x);

        // A training step (the optimizer's update and BatchNormalization's moving statistics).
        var y = Tensor.RandomUniform(new Shape(4, 3), -1f, 1f, new RandomGenerator(27));
        var beforeStep = model.Predict(x).ToArray();
        model.Fit(x, y, batchSize: 4, epochs: 1, verbose: 0);
        AssertMatchesLayers(model, x);
        Assert.NotEqual(beforeStep, model.Predict(x).ToArray());
    }

    [Fact]
    public void OtherPatternsAreLeftToTheLayers()
    {
        var x = Tensor.RandomUniform(new Shape(1, 12, 12, 4), -1f, 1f, new RandomGenerator(28));
        foreach (var (layers, lastFused) in new (Layer[], int)[]
        {
            ([new Conv2D(8, (3, 3), activation: Activation.Tanh), new MaxPooling2D((2, 2))], -1),
            ([new Conv2D(8, (3, 3), padding: Padding.Same), new MaxPooling2D((2, 2))], -1), // padded, 4 channels: neither Winograd nor direct
            ([new Conv2D(8, (3, 3)), new MaxPooling2D((3, 3), strides: (2, 2))], 0), // the convolution alone; the pool runs as a layer
            ([new Conv2D(8, (3, 3)), new MaxPooling2D((2, 2), padding: Padding.Same)], 0),
            ([new Conv2D(8, (3, 3)), new Dropout(0.5f), new MaxPooling2D((2, 2))], 0),
            ([new Conv2D(8, (3, 3), activation: Activation.Relu), new BatchNormalization(), new MaxPooling2D((2, 2))], 0), // BN after ReLU: not folded
        })
        {
            var model = new Sequential(layers);
            model.Build(x.Shape.WithoutBatch());
            using (NoGrad.Scope())
            {
                var fused = ConvPoolFusion.TryFused(model.Layers, 0, x, out int last);
                Assert.Equal(lastFused, fused is null ? -1 : last);
            }
            Tensor expected;
            using (NoGrad.Scope()) expected = model.Call(x, training: false);
            AssertClose(expected, model.Predict(x));
        }
    }

    private static void AssertMatchesLayers(Sequential model, Tensor x)
    {
        Tensor expected;
        using (NoGrad.Scope()) expected = model.Call(x, training: false);
        AssertClose(expected, model.Predict(x));
    }

    private static void AssertClose(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var e = expected.ToArray();
        var a = actual.ToArray();
        float scale = e.Max(MathF.Abs);
        for (int i = 0; i < e.Length; i++)
            Assert.True(MathF.Abs(e[i] - a[i]) <= 1e-5f * scale + 1e-5f, $"element {i}: layers {e[i]}, Predict {a[i]}");
    }
}
