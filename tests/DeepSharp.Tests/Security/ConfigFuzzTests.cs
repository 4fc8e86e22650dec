using System.Text.Json.Nodes;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;
using Xunit.Abstractions;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Config fuzzing (issue 11): small saved models that together hold every registered layer type,
/// with one to three config fields mutated per case — null, null inside arrays, 0, −1, the edges
/// of int and long, 1e308, "NaN"-like strings, wrong JSON kinds, lone surrogates, control
/// characters, other valid option names. Every case must load and run (Predict on an input of the
/// declared shape, then one Fit step with mean squared error) or throw a DeepSharpException, within
/// <see cref="FuzzLimits"/>. The models are built so that geometry fields (kernel, strides,
/// dilation, padding, pool size) reach the kernels: global pooling decouples the Dense weights
/// from the convolution's output size. Under a Debug build the kernels' bounds assertions
/// (KernelBounds) run as well.
/// </summary>
public sealed class ConfigFuzzTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>Cases per model (11 models: 6,600 in all; 7 models took about 15 s in Release and in Debug on an idle 2-core machine).</summary>
    private const int Cases = 600;

    /// <summary>The largest per-sample input a loaded model is run on; a model declaring more is skipped, never allocated.</summary>
    private const int MaxInputElements = 4096;

    private readonly TempFolder _folder = new();
    private int _skipped;

    public void Dispose() => _folder.Dispose();

    /// <summary>Small models that together hold every registered layer type.</summary>
    internal static readonly Dictionary<string, Func<Model>> s_models = new()
    {
        ["images"] = () => new Sequential(
            new Rescaling(1f / 255, 0.5f, inputShape: [6, 6, 2]), new RandomFlip(seed: 1), new RandomRotation(0.1f, seed: 2),
            new RandomTranslation((-0.1f, 0.1f), (-0.2f, 0.1f), seed: 3), new RandomZoom(0.1f, seed: 4, fillMode: FillMode.Constant),
            new Conv2D(3, (2, 3), padding: Padding.Same, activation: Activation.Relu), new BatchNormalization(),
            new MaxPooling2D((2, 2)), new Conv2D(2, (2, 2), dilationRate: (1, 2), padding: Padding.Same), new AveragePooling2D((2, 2), (1, 1)),
            new GlobalAveragePooling2D(), new Dropout(0.25f, seed: 5), new ActivationLayer(Activation.Tanh), new Dense(2, Activation.Softmax)),
        ["global-max"] = () => new Sequential(
            new Conv2D(2, 3, inputShape: [5, 5, 1]), new Normalization(mean: [0.1f, -0.2f], variance: [1f, 0.5f]), new GlobalMaxPooling2D(), new Dense(2)),
        ["flatten"] = () => new Sequential(
            new Conv2D(2, (2, 2), strides: (2, 2), inputShape: [4, 4, 1]), new Flatten(), new Reshape([2, -1]), new Dense(2)),
        ["sequences"] = () => new Sequential(
            new Conv1D(3, 3, padding: Padding.Same, dilationRate: 2, inputShape: [7, 2]), new LayerNormalization(),
            new SimpleRnn(3, dropout: 0.1f, returnSequences: true), new Lstm(2, recurrentDropout: 0.1f, returnSequences: true), new Gru(2), new Dense(1)),
        ["bidirectional"] = () => new Sequential(
            new Embedding(6, 3, inputShape: [5], maskZero: true), new Bidirectional(new Lstm(2, returnSequences: true)),
            new Bidirectional(new Gru(2), MergeMode.Sum), new Dense(2)),
        ["convolution-variants"] = () => new Sequential(
            new ZeroPadding2D((1, 0), (0, 2), inputShape: [5, 4, 2]), new Cropping2D((0, 1), (1, 0)),
            new DepthwiseConv2D((2, 2), padding: Padding.Same, depthMultiplier: 2), new SeparableConv2D(3, (2, 2), (2, 2), Padding.Same),
            new Conv2DTranspose(2, (3, 2), (2, 1), outputPadding: (1, 0)), new UpSampling2D((2, 1), Interpolation.Bilinear), new UpSampling2D(),
            new GlobalAveragePooling2D(), new Dense(2)),
        ["sequence-variants"] = () => new Sequential(
            new ZeroPadding1D((1, 2), inputShape: [6, 3]), new Cropping1D(1), new Conv1DTranspose(2, 3, strides: 2, padding: Padding.Same, outputPadding: 1),
            new UpSampling1D(), new Flatten(), new Dense(2)),
        ["transformer"] = () =>
        {
            var tokens = Model.Input([4], name: "tokens", dtype: DType.Int32);
            var x = new Embedding(5, 4).Call(tokens);
            x = new Add().Call(x, new PositionEmbedding(6).Call(x));
            x = new SinusoidalPositionEncoding().Call(x);
            x = new TransformerEncoderBlock(2, 8).Call(x);
            x = new TransformerDecoderBlock(2, 8, dropout: 0.1f).Call(x);
            return new Functional(tokens, new Dense(3).Call(x));
        },
        ["tied-embedding"] = () => // a masked-language model's tied head: one table looks words up and scores them
        {
            var tokens = Model.Input([4], name: "tokens", dtype: DType.Int32);
            var embedding = new ReversibleEmbedding(5, 4, maskZero: true);
            return new Functional(tokens, embedding.Reverse(new Dense(4).Call(embedding.Call(tokens))));
        },
        ["graph"] = () =>
        {
            var a = Model.Input([3, 4], name: "a");
            var b = Model.Input([3, 4], name: "b");
            var attended = new MultiHeadAttention(2, 2, dropout: 0.1f).Call(a, b);
            var merged = new Concatenate(axis: -1).Call(new Multiply().Call(attended, b), new LayerNormalization([1, 2]).Call(a));
            return new Functional([a, b], [new Dense(2).Call(merged), new Dense(1).Call(a)]);
        },
        ["keras-layers"] = () => new Sequential( // issue 13's pooling, sequence, noise and activation layers
            new Conv1D(4, 2, inputShape: [8, 3]), new LeakyRelu(0.1f), new Elu(0.5f), new Relu(6f, 0.1f, 0.2f), new PRelu(sharedAxes: [1]),
            new MaxPooling1D(2, padding: Padding.Same), new AveragePooling1D(2, 1), new SpatialDropout1D(0.2f, seed: 1),
            new GaussianNoise(0.1f, seed: 2), new GaussianDropout(0.1f, seed: 3), new Permute([2, 1]), new Softmax(axis: 1), new Permute([2, 1]),
            new TimeDistributed(new Dense(3)), new GlobalAveragePooling1D(), new RepeatVector(4), new Reshape([2, 2, 3]),
            new SpatialDropout2D(0.2f, seed: 4), new Reshape([4, 3]), new GlobalMaxPooling1D(), new Dense(2)),
        ["audio"] = () => // issue 18's front end: two spectrograms of one signal, SpecAugment, a convolution
        {
            var signal = Model.Input([256], name: "signal");
            var mel = new MelSpectrogram(64, 32, 48, samplingRate: 8000, numMelBins: 6, topDb: 60f).Call(signal);
            mel = new GlobalAveragePooling1D().Call(new Conv1D(2, 3).Call(new SpecAugment(1, 2, 1, 2, seed: 6).Call(mel)));
            var stft = new GlobalMaxPooling1D().Call(new StftSpectrogram(StftMode.Log, 32, 16, 32).Call(signal));
            return new Functional(signal, new Dense(2).Call(new Concatenate().Call(mel, stft)));
        },
        ["quantized"] = () => new Sequential( // issue 16's int8 layers; the float Dense gives Fit a weight to train
            new QuantizedConv2D(2, (2, 2), padding: Padding.Same, activation: Activation.Relu, inputShape: [4, 4, 1]),
            new Flatten(), new QuantizedDense(3, Activation.Relu), new Dense(2)),
        ["quantized-add"] = () => // the int8 Add of a residual block, its ReLU fused, and an int8 Concatenate
        {
            var x = Model.Input([4, 4, 2]);
            var a = new QuantizedConv2D(2, (3, 3), padding: Padding.Same, activation: Activation.Relu).Call(x);
            var b = new QuantizedConv2D(2, (3, 3), padding: Padding.Same).Call(a);
            var h = new Relu().Call(new QuantizedAdd(Activation.Relu).Call(a, b));
            return new Functional(x, new Dense(2).Call(new Flatten().Call(new QuantizedConcatenate().Call(h, a))));
        },
        ["core-layers"] = () => new Sequential( // Keras's core layers: Masking, Identity, ActivityRegularization, AlphaDropout, Lambda
            new Masking(-1f, inputShape: [4, 3]), new Lstm(2, returnSequences: true), new Identity(), new AlphaDropout(0.1f, [null, 1, null], seed: 2),
            new GlobalAveragePooling1D(), new ActivityRegularization(0.01f, 0.02f), DeepSharp.Tests.Nn.LambdaLayerTests.RegisteredSquare(), new Dense(2)),
        ["merges"] = () => DeepSharp.Tests.Nn.MergeLayerTests.MergeModel(), // Subtract, Average, Maximum, Minimum, Dot
        ["scored-attention"] = () => DeepSharp.Tests.Nn.ScoredAttentionTests.AttentionModel(withScores: true), // Attention, AdditiveAttention
        ["quantized1d"] = () => new Sequential( // the int8 Conv1D
            new QuantizedConv1D(3, 3, padding: Padding.Same, activation: Activation.Relu, inputShape: [6, 2]),
            new Flatten(), new Dense(2)),
        ["group-unit-norm"] = () => new Sequential( // GroupNormalization and UnitNormalization
            new Conv2D(4, (2, 2), inputShape: [5, 5, 1]), new GroupNormalization(2), new GroupNormalization(1, axis: 1, scale: false),
            new UnitNormalization(axis: [1, 2]), new Flatten(), new Dense(2), new UnitNormalization()),
        ["image-preprocessing"] = () => new Sequential( // Resizing, crops, contrast and brightness
            new RandomBrightness(0.2f, seed: 1, inputShape: [7, 8, 2]), new RandomContrast(0.3f, seed: 2), new RandomCrop(6, 6, seed: 3),
            new CenterCrop(5, 4), new Resizing(6, 3, cropToAspectRatio: true), new Resizing(4, 4, Interpolation.Nearest),
            new GlobalAveragePooling2D(), new Dense(2)),
        ["color-augmentation"] = () => new Sequential( // RandomGrayscale, Solarization, Resizing's filters and padding
            new RandomGrayscale(0.5f, seed: 1, inputShape: [6, 8, 3]), new Solarization((0.1f, 0.2f), (0.3f, 0.5f), seed: 2),
            new Resizing(5, 5, Interpolation.Bicubic, padToAspectRatio: true, fillValue: 1f, antialias: true),
            new GlobalAveragePooling2D(), new Dense(2)),
        ["pixel-augmentation"] = () => new Sequential( // RandomHue … AutoContrast
            new RandomHue(0.2f, seed: 1, inputShape: [5, 6, 3]), new RandomSaturation((0.3f, 0.7f), seed: 2), new RandomColorDegeneration(0.5f, seed: 3),
            new RandomColorJitter((0f, 255f), 0.1f, 0.2f, 0.6f, 0.1f, seed: 4), new RandomSharpness(0.8f, seed: 5), new RandomInvert(seed: 6),
            new RandomPosterization(6, seed: 7), new RandomShear(0.2f, 0.1f, seed: 8), new AutoContrast(), new RandomErasing(0.5f, seed: 9),
            new GlobalAveragePooling2D(), new Dense(2)),
        ["volumes"] = () => new Sequential( // the 3-D layers
            new ZeroPadding3D((1, 0), (0, 1), (1, 1), inputShape: [3, 4, 3, 2]), new Conv3D(4, (2, 2, 2), padding: Padding.Same, groups: 2),
            new SpatialDropout3D(0.2f, seed: 6), new MaxPooling3D((1, 2, 2)),
            new Conv3DTranspose(3, (2, 3, 2), (1, 2, 2), Padding.Same, outputPadding: (0, 1, 1)), new UpSampling3D((1, 2, 1)), new Cropping3D((1, 0), (0, 1), (0, 1)),
            new AveragePooling3D((2, 1, 1), padding: Padding.Same), new GlobalMaxPooling3D(keepDims: true), new GlobalAveragePooling3D(), new Dense(2)),
        ["policy-augmentation"] = () => new Sequential( // RandomGaussianBlur, RandomPerspective, Equalization, RandAugment, AugMix
            new RandomGaussianBlur(0.5f, 3, 1f, seed: 1, inputShape: [5, 6, 3]), new RandomPerspective(0.5f, 0.3f, seed: 2), new Equalization(),
            new RandAugment(seed: 3), new AugMix(numChains: 2, chainDepth: 2, seed: 4), new GlobalAveragePooling2D(), new Dense(2)),
        ["categorical"] = () => new Sequential( // Discretization and CategoryEncoding
            new Discretization([-0.5f, 0f, 0.5f], inputShape: [3]), new CategoryEncoding(4, "count"), new Dense(2)),
        ["modern-transformer"] = () => new Sequential( // EinsumDense, RMSNormalization and GroupQueryAttention
            new EinsumDense("abc,cde->abde", [null, 2, 3], biasAxes: "de", inputShape: [4, 5]), new Reshape([4, 6]), new RmsNormalization(),
            new GroupQueryAttention(2, 2, 1), new RmsNormalization(axis: [1, 2]), new Flatten(), new EinsumDense("...b,bc->...c", 2)),
        ["conv1d-variants"] = () => new Sequential( // DepthwiseConv1D and SeparableConv1D
            new DepthwiseConv1D(3, strides: 2, padding: Padding.Same, depthMultiplier: 2, inputShape: [9, 3]), new SeparableConv1D(4, 2, dilationRate: 2),
            new Flatten(), new Dense(2)),
        ["conv-lstm"] = DeepSharp.Tests.Nn.Recurrent.ConvLstmModelTests.Sample, // ConvLSTM1D, ConvLSTM2D and ConvLSTM3D
        ["rnn-cells"] = () => new Sequential( // RNN over StackedRNNCells (one nested in another), LSTMCell, GRUCell and SimpleRNNCell
            new Rnn([new StackedRnnCells([new LstmCell(3), new SimpleRnnCell(2, dropout: 0.1f)]), new GruCell(2)], returnSequences: true, inputShape: [4, 3]),
            new Rnn(new SimpleRnnCell(2), goBackwards: true), new Dense(2)),
        ["lookup-hashing"] = () => new Sequential( // IntegerLookup and Hashing
            new IntegerLookup([3, 5, 7], numOovIndices: 2, maskToken: 9, inputShape: [3]), new Hashing(5, maskValue: 0L, salt: (1, 2), outputMode: "count"), new Dense(2)),
    };

    public static TheoryData<string> ModelNames() => [.. s_models.Keys];

    [Fact]
    public void TheModelsHoldEveryRegisteredLayerType()
    {
        var types = new HashSet<string>();
        foreach (var build in s_models.Values)
        {
            var model = build();
            foreach (var layer in model.Layers)
            {
                types.Add(layer.TypeName);
                if (layer is Bidirectional bi) types.Add(bi.ForwardLayer.TypeName);
                if (layer is Rnn rnn) foreach (var cell in rnn.Cell.SelfAndSublayers()) types.Add(cell.TypeName);
            }
            if (model is Functional) types.Add("InputLayer");
        }
        Assert.Empty(LayerRegistry.KnownTypes.Except(types));
    }

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void MutatedConfigsLoadAndRunOrAreRefused(string name)
    {
        RandomGenerator.SetGlobalSeed(11);
        var model = s_models[name]();
        string valid = _folder.File("valid.safetensors");
        model.Save(valid);
        var original = FuzzHarness.Unsigned(File.ReadAllBytes(valid));
        string config = FuzzHarness.ModelConfigOf(original);
        Exercise(Model.Load(valid)); // the unmutated model runs

        string path = _folder.File("case.safetensors");
        new FuzzHarness(output).Run($"config of '{name}'", Cases, seed: name.Aggregate(20260111, (h, c) => h * 31 + c),
            random => FuzzHarness.WithModelConfig(original, MutateConfig(random, config)),
            bytes =>
            {
                File.WriteAllBytes(path, bytes);
                Exercise(Model.Load(path));
            },
            minRejectedPercent: 25);
        output.WriteLine($"{_skipped} accepted models declared inputs over {MaxInputElements} elements and were not run.");
    }

    /// <summary>Predict on zeros of the declared input shapes (batch 2), then one Fit step towards zeros with mean squared error.</summary>
    private void Exercise(Model model)
    {
        var inputs = model is Sequential
            ? [(model.Layers[0].BuiltInputShape!.Value, DType.Float32)]
            : model.Inputs.Select(i => (i.Shape, i.DType)).ToArray();
        var x = new Tensor[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            var (shape, dtype) = inputs[i];
            if (shape.Size > MaxInputElements) // Shape.Size throws a ShapeMismatchException past 2^31 − 1
            {
                _skipped++;
                return;
            }
            var batch = shape.WithBatch(2);
            x[i] = dtype == DType.Int32 ? Tensor.IntZeros(batch) : Tensor.Zeros(batch);
        }
        var y = model.Predict(x, batchSize: 2);
        var targets = y.Select(t => (Tensor?)Tensor.Zeros(t.Shape)).ToArray();
        model.Compile(new Sgd(0.01f), [.. y.Select(_ => (Loss?)new MeanSquaredError())]);
        model.Fit(x, targets, batchSize: 2, epochs: 1, verbose: 0);
    }

    /// <summary>One to three mutations of config fields: mostly inside layer configs, sometimes anywhere in the model config.</summary>
    internal static string MutateConfig(Random random, string json)
    {
        var root = JsonNode.Parse(json)!;
        var layerFields = new List<(JsonNode Parent, object Key)>();
        var allFields = new List<(JsonNode Parent, object Key)>();
        foreach (var entry in root["config"]!["layers"]!.AsArray())
            Collect(entry!["config"]!, layerFields);
        Collect(root["config"]!, allFields);
        var raws = new List<string>();
        for (int edits = 1 + random.Next(3); edits > 0; edits--)
        {
            var fields = random.Next(5) == 0 ? allFields : layerFields;
            var (parent, key) = fields[random.Next(fields.Count)];
            Mutate(random, parent, key, raws);
        }
        string text = root.ToJsonString();
        for (int i = 0; i < raws.Count; i++) text = text.Replace($"\"@@raw{i}@@\"", raws[i], StringComparison.Ordinal);
        return text;
    }

    /// <summary>Every (container, key or index) below <paramref name="node"/>.</summary>
    private static void Collect(JsonNode node, List<(JsonNode, object)> fields)
    {
        if (node is JsonObject o)
            foreach (var (key, value) in o)
            {
                fields.Add((o, key));
                if (value is not null) Collect(value, fields);
            }
        else if (node is JsonArray a)
            for (int i = 0; i < a.Count; i++)
            {
                fields.Add((a, i));
                if (a[i] is { } item) Collect(item, fields);
            }
    }

    /// <summary>JSON texts a hostile config would try (written raw, so they need not be representable by JsonNode).</summary>
    private static readonly string[] s_values =
    [
        "null", "0", "-1", "1", "2", "3", "7", "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967296",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "18446744073709551616", "99999999999999999999999",
        "1e308", "-1e308", "1e400", "1e-45", "0.5", "1.5", "-0.5", "0.999", "true", "false",
        "\"\"", "\"x\"", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "\"1e309\"", "\"\\ud800\"", "\"a\\udfffb\"", "\"\\ud83d\"",
        "\"\\u0000\"", "\"\\u001b[31m\"", "{}", "[]", "[null]", "[null, 0.1]", "[0.1, null]", "[null, null]", "[0]", "[-1]",
        "[2147483648]", "[1, 2, 3]", "[[1]]", "[1, 1]", "[2, 2]", "[3, 1]", "[1, 1073741825]", "[1073741825, 1]", "[2147483647]",
        "\"same\"", "\"valid\"", "\"causal\"", "\"relu\"", "\"softmax\"", "\"gelu\"", "\"linear\"", "\"sigmoid\"", "\"reflect\"",
        "\"constant\"", "\"sum\"", "\"concat\"", "\"mul\"", "\"int32\"", "\"float32\"", "\"horizontal\"", "\"zeros\"", "\"orthogonal\"",
    ];

    private static void Mutate(Random random, JsonNode parent, object key, List<string> raws)
    {
        JsonNode? Raw(string json)
        {
            raws.Add(json);
            return JsonValue.Create($"@@raw{raws.Count - 1}@@");
        }

        var current = parent is JsonObject obj ? obj[(string)key] : parent is JsonArray arr && (int)key < arr.Count ? arr[(int)key] : null;
        switch (random.Next(10))
        {
            case 4 or 5 or 6 when current is JsonValue v && v.GetValueKind() is System.Text.Json.JsonValueKind.Number:
                // a plausible size, stride, dilation, axis or rate: these reach the kernels when the weights still fit
                Set(parent, key, Raw(random.Next(4) == 0 ? $"{random.NextDouble():F2}" : $"{random.Next(-2, 6)}"));
                return;
            case 4 or 5 when current is JsonValue v && v.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False:
                Set(parent, key, Raw(v.GetValueKind() is System.Text.Json.JsonValueKind.True ? "false" : "true"));
                return;
            case 0 when parent is JsonObject o: // drop the key
                o.Remove((string)key);
                return;
            case 1 when parent is JsonArray a: // an extra element, often null
                a.Insert(random.Next(a.Count + 1), random.Next(2) == 0 ? null : Raw(s_values[random.Next(s_values.Length)]));
                return;
            case 2 when parent is JsonArray a && a.Count > 0: // one element fewer
                a.RemoveAt(random.Next(a.Count));
                return;
            case 3: // null
                Set(parent, key, null);
                return;
            default:
                Set(parent, key, Raw(s_values[random.Next(s_values.Length)]));
                return;
        }
    }

    private static void Set(JsonNode parent, object key, JsonNode? value)
    {
        if (parent is JsonObject o) o[(string)key] = value;
        else if (parent is JsonArray a && (int)key < a.Count) a[(int)key] = value;
    }
}
