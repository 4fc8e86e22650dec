using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = DeepSharp.Tensors.Tensor;

namespace DeepSharp.Tests.Serialization;

/// <summary>Exported models run in ONNX Runtime and agree with DeepSharp's own predictions (1e-5 relative).</summary>
public class OnnxExportTests
{
    private static readonly string[] s_models =
        ["seed", "strided-same", "mlp", "pooling-norm", "norm-axes", "augment-activations", "conv1d", "residual", "two-inputs", "embedding", "keras-activations", "shrink-activations", "causal-conv1d"];

    public static TheoryData<string> Models() => new(s_models);

    private static Model Create(string name) => name switch
    {
        "seed" => new Sequential(
            new Conv2D(32, (3, 3), activation: Activation.Relu, inputShape: [28, 28, 1]),
            new MaxPooling2D((2, 2)),
            new Flatten(),
            new Dense(128, Activation.Relu),
            new Dense(10, Activation.Softmax)),
        "strided-same" => new Sequential(
            new Conv2D(5, (3, 2), (2, 2), Padding.Same, Activation.Tanh, inputShape: [9, 8, 3]),
            new MaxPooling2D((3, 3), (2, 2), Padding.Same),
            new Conv2D(4, (2, 2), dilationRate: (2, 1), useBias: false),
            new Flatten(),
            new Dropout(0.5f),
            new Dense(6, Activation.Sigmoid)),
        "pooling-norm" => new Sequential(
            new Conv2D(4, (3, 3), padding: Padding.Same, inputShape: [9, 9, 2]),
            new AveragePooling2D((3, 3), (2, 2), Padding.Same),
            new BatchNormalization(),
            new ActivationLayer("leaky_relu"),
            new AveragePooling2D(2),
            new ActivationLayer("elu"),
            new GlobalMaxPooling2D(),
            new Dense(3, Activation.Selu)),
        "norm-axes" => new Sequential(                             // normalisation along axes other than the last
            new BatchNormalization(axis: 1, inputShape: [3, 4, 2]),
            new Normalization(axis: [1, 3], mean: [0.5f], variance: [2f]), // Keras's preprocessing layer, one mean and variance per (row, channel)
            new Normalization(axis: 2, mean: [0.1f, 0.2f, -0.3f, 0f], variance: [0.5f, 1f, 2f, 0f], invert: true),
            new BatchNormalization(axis: -2),
            new LayerNormalization(axis: [1, 3]),
            new LayerNormalization(axis: [-2, -1], center: false),
            new LayerNormalization(axis: 2),
            new Flatten(),
            new Dense(3)),
        "augment-activations" => new Sequential(
            new Rescaling(1f / 255, -0.5f, inputShape: [8, 8, 1]),
            new RandomFlip(),
            new RandomRotation(0.1f),
            new RandomTranslation(0.1f, 0.1f),
            new RandomZoom(0.1f),
            new Conv2D(3, (3, 3), activation: Activation.Gelu),
            new GlobalAveragePooling2D(),
            new Dense(4, Activation.Swish),
            new LayerNormalization(),
            new Reshape([2, 2]),
            new Flatten(),
            new Dense(2, Activation.Softmax)),
        "conv1d" => new Sequential(
            new Conv1D(4, 3, strides: 2, padding: Padding.Same, activation: Activation.Tanh, inputShape: [10, 3]),
            new Conv1D(2, 2, dilationRate: 2),
            new Flatten(),
            new Dense(2)),
        "residual" => FunctionalFileTests.Residual(),
        "two-inputs" => FunctionalFileTests.TwoInputs(),
        "embedding" => Embedded(),
        "keras-activations" => new Sequential(                    // Keras 3's activations beyond the first ten
            new Rescaling(8f, -4f, inputShape: [6]),               // inputs in [-4, 4]: both sides of the hard ones' kinks
            new Dense(6, Activation.HardSilu),
            new Dense(6, "hard_sigmoid"),
            new Dense(6, Activation.Mish),
            new Dense(6, Activation.Relu6),
            new Dense(6, Activation.Softsign),
            new Dense(6, Activation.Softplus),
            new Dense(6, Activation.Exponential),
            new Dense(4, Activation.LogSoftmax)),
        "shrink-activations" => new Sequential(                   // Keras 3's shrinking, hard and sparse activations
            new Rescaling(4f, -2f, inputShape: [6]),               // inputs in [-2, 2]: both sides of the kinks at ±½ and ±1
            new Dense(6, "hard_shrink"),
            new Dense(6, "soft_shrink"),
            new Dense(6, "celu"),
            new Dense(6, "sparse_plus"),
            new Dense(6, "tanh_shrink"),
            new Dense(6, "hard_tanh"),
            new Dense(6, "squareplus"),
            new Dense(6, "sparse_sigmoid"),
            new Dense(6, "log_sigmoid"),
            new Dense(5, "sparsemax")),
        "causal-conv1d" => new Sequential(
            new Conv1D(4, 3, padding: "causal", dilationRate: 2, activation: "relu", inputShape: [11, 3]),
            new Conv1D(3, 2, strides: 2, padding: "causal"),
            new Conv1D(2, 1, padding: "causal"),
            new Flatten(),
            new Dense(2)),
        _ => new Sequential(new Dense(7, Activation.Relu, inputShape: [5]), new Dense(3)),
    };

    private static Functional Embedded()
    {
        var tokens = Model.Input([5], name: "tokens", dtype: DType.Int32);
        var vectors = new Embedding(10, 4).Call(tokens);
        var output = new Dense(3).Call(new Flatten().Call(new Conv1D(3, 2, activation: Activation.Relu).Call(vectors)));
        return new Functional(tokens, output, name: "embedded");
    }

    private static IReadOnlyList<SymbolicTensor> InputsOf(Model model) =>
        model is Functional f ? f.Inputs : [Model.Input(model.Layers[0].BuiltInputShape!.Value.Dims.ToArray())];

    /// <summary>Gives biases and normalization statistics non-default values so their export is tested too.</summary>
    private static void Perturb(Model model)
    {
        var rng = new RandomGenerator(9);
        foreach (var p in model.Parameters)
        {
            var (low, high) = p.Name switch
            {
                "bias" or "beta" or "moving_mean" => (-0.5f, 0.5f),
                "gamma" or "moving_variance" => (0.5f, 1.5f),
                _ => (0f, 0f),
            };
            if (high > low) Tensor.RandomUniform(p.Shape, low, high, rng).Span.CopyTo(p.Value.Span);
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void OnnxRuntimeMatchesPredict(string name)
    {
        RandomGenerator.SetGlobalSeed(3);
        var model = Create(name);
        Perturb(model);
        var rng = new RandomGenerator(5);
        var inputs = InputsOf(model).Select(i => i.DType == DType.Int32
            ? Tensor.FromArray(Enumerable.Range(0, 4 * i.Shape.Size).Select(_ => rng.NextInt(10)).ToArray(), i.Shape.WithBatch(4))
            : Tensor.RandomUniform(i.Shape.WithBatch(4), 0f, 1f, rng)).ToArray();
        IReadOnlyList<Tensor> expected = model is Functional f ? f.Call(inputs) : new[] { model.Predict(inputs[0]) };

        using var folder = new TempFolder();
        string path = folder.File(name + ".onnx");
        model.ExportOnnx(path);
        using var session = new InferenceSession(path);
        var names = session.InputMetadata.Keys.ToArray();
        Assert.Equal(inputs.Length, names.Length);
        var feeds = inputs.Select((x, i) => x.DType == DType.Int32
            ? NamedOnnxValue.CreateFromTensor(names[i], new DenseTensor<int>(x.IntSpan.ToArray(), x.Shape.ToArray()))
            : NamedOnnxValue.CreateFromTensor(names[i], new DenseTensor<float>(x.ToArray(), x.Shape.ToArray()))).ToList();
        using var results = session.Run(feeds);
        Assert.Equal(expected.Count, results.Count);
        for (int o = 0; o < expected.Count; o++)
        {
            var want = expected[o].ToArray();
            var actual = results.Single(r => r.Name == (o == 0 ? "output" : $"output_{o}")).AsEnumerable<float>().ToArray();
            Assert.Equal(want.Length, actual.Length);
            for (int i = 0; i < want.Length; i++)
                Assert.True(Math.Abs(want[i] - actual[i]) <= 1e-5 * Math.Abs(want[i]) + 1e-6,
                    $"{name}: output {o} element {i}: DeepSharp {want[i]}, ONNX Runtime {actual[i]}");
        }
    }

    [Fact]
    public void EveryRegisteredLayerTypeExports()
    {
        var models = s_models.Select(Create).Concat(OnnxRecurrentExportTests.Samples()).Concat(OnnxAttentionExportTests.Samples())
            .Concat(DeepSharp.Tests.Nn.ConvolutionVariantFileTests.Samples())
            .Concat(DeepSharp.Tests.Nn.KerasLayerFileTests.Samples())
            .Concat(OnnxAudioExportTests.Samples())
            .Concat(DeepSharp.Tests.Nn.ReversibleEmbeddingTests.Samples())
            .Concat(DeepSharp.Tests.Nn.GroupUnitNormalizationTests.Samples())
            .Concat(DeepSharp.Tests.Nn.RmsNormalizationTests.Samples())
            .Concat(DeepSharp.Tests.Nn.EinsumDenseTests.Samples())
            .Concat(DeepSharp.Tests.Nn.GroupQueryAttentionTests.Samples())
            .Concat(DeepSharp.Tests.Nn.Conv1DVariantTests.Samples())
            .Concat(DeepSharp.Tests.Nn.ImagePreprocessingTests.Samples())
            .Append(DeepSharp.Tests.Nn.PixelAugmentationTests.Pipeline())
            .Append(DeepSharp.Tests.Nn.AugmentationPolicyTests.Pipeline())
            .Concat(DeepSharp.Tests.Nn.CategoricalPreprocessingTests.Samples())
            .Concat(DeepSharp.Tests.Nn.LookupHashingTests.Samples())
            .Concat(DeepSharp.Tests.Nn.MergeLayerTests.Samples())
            .Concat(DeepSharp.Tests.Nn.ScoredAttentionTests.Samples())
            .Concat(DeepSharp.Tests.Compression.QuantizedOnnxTests.Samples())
            .Concat(DeepSharp.Tests.Nn.MaskingLayerTests.Samples())
            .Concat(DeepSharp.Tests.Nn.CoreLayerTests.Samples())
            .Concat(DeepSharp.Tests.Nn.VolumeLayerTests.Samples());
        var exportable = models.SelectMany(m => m.Layers).Select(l => l.TypeName).ToHashSet();
        exportable.Add("InputLayer"); // becomes the graph input
        exportable.Add("Lambda"); // refused, naming the layer (a C# function): LambdaLayerTests.AnUnnamedOrUnregisteredFunctionIsNotSaved
        exportable.Add("Hashing"); // refused, naming the layer (no FarmHash in ONNX): LookupHashingTests.LookupModelsTrainSaveLoadAndExport
        foreach (string convLstm in new[] { "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D" })
            exportable.Add(convLstm); // refused, naming the layer (no convolutional LSTM in ONNX): ConvLstmModelTests.OnnxExportIsRefusedNamingTheLayer
        // RNN over one built-in cell exports as that cell's layer; stacks are refused naming the layer: OnnxRnnCellExportTests.
        foreach (string cell in (string[])["RNN", "SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells"]) exportable.Add(cell);
        foreach (string type in LayerRegistry.KnownTypes)
            Assert.True(exportable.Contains(type), $"Layer type {type} must be exported by a model in this test.");
    }

    /// <summary>A user's own layer type: DeepSharp has no ONNX rule for it.</summary>
    private sealed class Doubler(string? name = null) : Layer(name, null)
    {
        public override string TypeName => "Doubler";
        public override Shape ComputeOutputShape(Shape inputShape) => inputShape;
        protected override Tensor Forward(Tensor x, bool training) => DeepSharp.Autograd.Ops.Affine(x, 2f, 0f);
    }

    [Fact]
    public void ALayerWithoutARuleIsNamedInTheError()
    {
        var model = new Sequential(new Dense(3, inputShape: [2]), new Doubler(name: "twice"));
        using var folder = new TempFolder();
        var e = Assert.Throws<DeepSharpException>(() => model.ExportOnnx(folder.File("m.onnx")));
        Assert.Contains("'twice'", e.Message);
        Assert.Contains("Doubler", e.Message);
        Assert.Contains("no ONNX rule", e.Message);
        Assert.False(File.Exists(folder.File("m.onnx")));
    }

    [Fact]
    public void MergeLayersOutsideAFunctionalModelAreRejectedWithTheLayerName()
    {
        var layer = new Add(name: "sum");
        layer.Build(new Shape(3));
        var e = Assert.Throws<DeepSharpException>(() => DeepSharp.Serialization.Onnx.OnnxExporter.Export("m", [layer], new Shape(3)));
        Assert.Contains("'sum'", e.Message);
        Assert.Contains("Functional", e.Message);
    }

    [Fact]
    public void UnbuiltModelsAreRejected()
    {
        var model = new Sequential(new Dense(3));
        Assert.Throws<InvalidOperationException>(() => model.ExportOnnx(Path.Combine(Path.GetTempPath(), "never.onnx")));
    }
}
