using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// EinsumDense: the layer harness for the equations of Keras's docs and MultiHeadAttention, Keras's kernel and
/// bias shapes, a naive einsum loop in double, equality with Dense, config round trips from Keras's JSON,
/// Save/Load, Summary, ONNX Runtime, and unsupported equations refused by name.
/// </summary>
public sealed class EinsumDenseTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A model holding the layer (also read by OnnxExportTests.EveryRegisteredLayerTypeExports).</summary>
    public static IEnumerable<Model> Samples() => [Sample()];

    private static Sequential Sample() => new(
        new EinsumDense("abc,cde->abde", [null, 2, 3], Activation.Relu, biasAxes: "de", inputShape: [5, 4], name: "split_heads"),
        new EinsumDense("abcd,cde->abe", [null, 4], biasAxes: "e", name: "merge_heads"),
        new EinsumDense("abc,dc->adb", [3, null], biasAxes: "d", name: "transposed"),   // bias (3, 1), output (3, 5)
        new EinsumDense("...b,bc->...c", 2, Activation.Tanh, biasAxes: "c", name: "ellipsis"),
        new Flatten(),
        new EinsumDense("ab,bc->ac", 2, name: "dense_like"));

    [Fact] public void HarnessDense() => LayerHarness.Run(() => new EinsumDense("ab,bc->ac", 3, biasAxes: "c"), [4], [3], 4 * 3 + 3);
    [Fact] public void HarnessSequence() => LayerHarness.Run(() => new EinsumDense("abc,cd->abd", [null, 3], biasAxes: "d"), [5, 4], [5, 3], 4 * 3 + 3);
    [Fact] public void HarnessSplitHeads() => LayerHarness.Run(() => new EinsumDense("abc,cde->abde", [null, 2, 3], biasAxes: "de"), [5, 4], [5, 2, 3], 4 * 6 + 6);
    [Fact] public void HarnessMergeHeads() => LayerHarness.Run(() => new EinsumDense("abcd,cde->abe", [null, 4], biasAxes: "e"), [5, 2, 3], [5, 4], 6 * 4 + 4);
    [Fact] public void HarnessEllipsis() => LayerHarness.Run(() => new EinsumDense("...b,bc->...c", 3, Activation.Tanh, biasAxes: "c"), [2, 5, 4], [2, 5, 3], 4 * 3 + 3);
    [Fact] public void HarnessTransposedWithBroadcastBias() => LayerHarness.Run(() => new EinsumDense("abc,dc->adb", [3, null], biasAxes: "d"), [5, 4], [3, 5], 3 * 4 + 3);
    [Fact] public void HarnessNoBias() => LayerHarness.Run(() => new EinsumDense("abcd,dce->abe", [null, 2]), [3, 2, 4], [3, 2], 4 * 2 * 2);

    /// <summary>Keras's documented examples: output shapes and kernel/bias shapes for (None, 32) and (None, 32, 128) inputs.</summary>
    [Theory]
    [InlineData("ab,bc->ac", new[] { 64 }, "c", new[] { 32 }, new[] { 64 }, new[] { 32, 64 }, new[] { 64 })]
    [InlineData("abc,cd->abd", new[] { 0, 64 }, "d", new[] { 32, 128 }, new[] { 32, 64 }, new[] { 128, 64 }, new[] { 64 })]
    [InlineData("abc,cde->abde", new[] { 0, 4, 16 }, "de", new[] { 32, 128 }, new[] { 32, 4, 16 }, new[] { 128, 4, 16 }, new[] { 4, 16 })]
    [InlineData("abc,cde->abde", new[] { 0, 4, 16 }, "d", new[] { 32, 128 }, new[] { 32, 4, 16 }, new[] { 128, 4, 16 }, new[] { 4, 1 })]
    [InlineData("...b,bc->...c", new[] { 64 }, "c", new[] { 32, 128 }, new[] { 32, 64 }, new[] { 128, 64 }, new[] { 64 })]
    [InlineData("abcd,cde->abe", new[] { 0, 64 }, "e", new[] { 32, 4, 16 }, new[] { 32, 64 }, new[] { 4, 16, 64 }, new[] { 64 })]
    public void KerasDocumentedShapes(string equation, int[] output, string bias, int[] input, int[] expectedOutput, int[] kernel, int[] biasShape)
    {
        var layer = new EinsumDense(equation, [.. output.Select(s => s == 0 ? (int?)null : s)], biasAxes: bias);
        Assert.Equal(new Shape(expectedOutput), layer.ComputeOutputShape(new Shape(input)));
        layer.Build(new Shape(input));
        Assert.Equal([("kernel", new Shape(kernel)), ("bias", new Shape(biasShape))], layer.Parameters.Select(p => (p.Name, p.Shape)));
    }

    public static TheoryData<string, int[], int[], string?> NaiveCases() => new()
    {
        { "ab,bc->ac", [3, 5], [7], "c" },
        { "abc,cd->abd", [2, 3, 5], [0, 4], "d" },
        { "abc,cde->abde", [2, 3, 5], [0, 2, 3], "de" },
        { "abcd,cde->abe", [2, 3, 2, 3], [0, 5], "e" },
        { "abc,dc->adb", [2, 4, 3], [5, 0], "d" },
        { "abc,cde->abde", [2, 3, 4], [0, 2, 3], "d" },
        { "abcd,dbe->aec", [2, 3, 4, 5], [2, 0], "ec" },
        { "abc,bcd->ad", [3, 2, 5], [4], null },
    };

    /// <summary>The layer against the einsum summed in double over every assignment of its letters, with random kernel and bias.</summary>
    [Theory]
    [MemberData(nameof(NaiveCases))]
    public void MatchesANaiveEinsumLoop(string equation, int[] inputShape, int[] output, string? bias)
    {
        var layer = new EinsumDense(equation, [.. output.Select(s => s == 0 ? (int?)null : s)], biasAxes: bias);
        var x = GradCheck.Random(3, inputShape);
        layer.Build(x.Shape.WithoutBatch());
        var rng = new RandomGenerator(5);
        foreach (var p in layer.Parameters) rng.FillUniform(p.Value.Span, -1f, 1f);
        var y = layer.Call(x);

        string[] parts = equation.Split([",", "->"], StringSplitOptions.None);
        var size = new Dictionary<char, int>();
        for (int i = 0; i < parts[0].Length; i++) size[parts[0][i]] = inputShape[i];
        var kernel = layer.Parameters.Single(p => p.Name == "kernel").Value;
        for (int i = 0; i < parts[1].Length; i++) size[parts[1][i]] = kernel.Shape[i];
        Assert.Equal(new Shape([.. parts[2].Select(c => size[c])]), y.Shape);
        var letters = size.Keys.ToArray();
        var at = new Dictionary<char, int>();
        foreach (char c in letters) at[c] = 0;
        int Flat(string spec) => spec.Aggregate(0, (f, c) => f * size[c] + at[c]);
        var expected = new double[y.Size];
        var xs = x.ToArray();
        var ws = kernel.ToArray();
        for (long n = 0, total = letters.Aggregate(1L, (p, c) => p * size[c]); n < total; n++)
        {
            expected[Flat(parts[2])] += (double)xs[Flat(parts[0])] * ws[Flat(parts[1])];
            for (int l = letters.Length - 1; l >= 0 && ++at[letters[l]] == size[letters[l]]; l--) at[letters[l]] = 0;
        }
        if (bias is not null)
        {
            // Keras's bias: the output's trailing axes from the first bias letter on, 1 on the others.
            var b = layer.Parameters.Single(p => p.Name == "bias").Value.ToArray();
            string tail = parts[2][parts[2].IndexOfAny(bias.ToCharArray())..];
            foreach (char c in letters) at[c] = 0;
            for (long n = 0, total = parts[2].Aggregate(1L, (p, c) => p * size[c]); n < total; n++)
            {
                expected[Flat(parts[2])] += b[tail.Aggregate(0, (f, c) => bias.Contains(c) ? f * size[c] + at[c] : f)];
                for (int l = parts[2].Length - 1; l >= 0 && ++at[parts[2][l]] == size[parts[2][l]]; l--) at[parts[2][l]] = 0;
            }
        }
        var actual = y.ToArray();
        for (int i = 0; i < actual.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * Math.Abs(expected[i]) + 1e-5, $"{equation} element {i}: loop {expected[i]}, layer {actual[i]}");
    }

    [Fact]
    public void AbBcAcIsDense()
    {
        var dense = new Dense(3, Activation.Relu);
        var einsum = new EinsumDense("ab,bc->ac", 3, Activation.Relu, biasAxes: "c");
        var x = GradCheck.Random(1, 4, 5);
        dense.Build(new Shape(5));
        einsum.Build(new Shape(5));
        var rng = new RandomGenerator(2);
        foreach (var p in dense.Parameters) rng.FillUniform(p.Value.Span, -1f, 1f);
        einsum.SetWeights(dense.GetWeights());
        Assert.Equal(dense.Call(x).ToArray(), einsum.Call(x).ToArray());
    }

    [Fact]
    public void KerasConfigRoundTrip()
    {
        // As Keras writes it (layer.get_config()).
        var keras = JsonNode.Parse("""
            {"name":"einsum_dense","trainable":true,"dtype":"float32","output_shape":[null,4,16],"equation":"abc,cde->abde",
             "activation":"relu","bias_axes":"de","kernel_initializer":{"module":"keras.initializers","class_name":"GlorotUniform","config":{"seed":null}},
             "bias_initializer":{"module":"keras.initializers","class_name":"Zeros","config":{}},"kernel_regularizer":null,"bias_regularizer":null,
             "kernel_constraint":null,"bias_constraint":null}
            """)!.AsObject();
        var layer = Assert.IsType<EinsumDense>(LayerRegistry.Create("EinsumDense", keras));
        Assert.Equal("abc,cde->abde", layer.Equation);
        Assert.Equal(new int?[] { null, 4, 16 }, layer.OutputShape);
        Assert.Equal("de", layer.BiasAxes);
        Assert.Equal("relu", layer.Activation.Name);
        var config = layer.GetConfig();
        Assert.Equal("[null,4,16]", config["output_shape"]!.ToJsonString());
        Assert.Equal(config.ToJsonString(), LayerRegistry.Clone(layer).GetConfig().ToJsonString());
        Assert.Equal("64", new EinsumDense("ab,bc->ac", 64).GetConfig()["output_shape"]!.ToJsonString());
        Assert.Null(new EinsumDense("ab,bc->ac", 64).GetConfig()["bias_axes"]);
    }

    [Fact]
    public void UnsupportedEquationsAndBadShapesAreRefusedByName()
    {
        void Refused(string equation, string why)
        {
            var e = Assert.Throws<ArgumentException>(() => new EinsumDense(equation, 4, name: "ed"));
            Assert.Contains("'ed' (EinsumDense)", e.Message);
            Assert.Contains(equation, e.Message);
            Assert.Contains(why, e.Message);
        }
        Refused("abc,bcd->abd", "in the input, the kernel and the output");
        Refused("ab,bc", "not of the form");
        Refused("aab,bc->ac", "repeats a letter");
        Refused("ab...,bc->ac...", "'...' in the input");
        Refused("...ab,bc->ac", "must lead both");
        Refused("abc,bd->ad", "input axis 'c' is in neither");
        Refused("ab,bcd->ac", "kernel axis 'd' is in neither");
        Refused("ab,bc->ace", "output axis 'e' is in neither");
        Refused("a1,1c->ac", "not a letter");
        var bias = Assert.Throws<ArgumentException>(() => new EinsumDense("ab,bc->ac", 4, biasAxes: "b", name: "ed"));
        Assert.Contains("bias axis 'b'", bias.Message);
        Assert.Throws<ArgumentException>(() => new EinsumDense("ab,bc->ac", 0));

        var rank = Assert.Throws<ShapeMismatchException>(() => new EinsumDense("abc,cd->abd", [null, 3], name: "seq").Call(Tensor.Zeros(2, 4)));
        Assert.Contains("'seq'", rank.Message);
        Assert.Contains("(None, 4)", rank.Message);
        var count = Assert.Throws<ShapeMismatchException>(() => new EinsumDense("abc,cd->abd", 3, name: "few").Call(Tensor.Zeros(2, 5, 4)));
        Assert.Contains("output_shape has 1", count.Message);
        var mismatch = Assert.Throws<ShapeMismatchException>(() => new EinsumDense("abc,cd->abd", [7, 3], name: "odd").Call(Tensor.Zeros(2, 5, 4)));
        Assert.Contains("is 7 in output_shape but 5", mismatch.Message);
        var missing = Assert.Throws<ShapeMismatchException>(() => new EinsumDense("abc,cd->abd", [null, null], name: "open").Call(Tensor.Zeros(2, 5, 4)));
        Assert.Contains("must give its size", missing.Message);
        var built = new EinsumDense("abc,cd->abd", [null, 3], name: "fixed");
        built.Call(Tensor.Zeros(2, 5, 4));
        Assert.Contains("'fixed'", Assert.ThrowsAny<DeepSharpException>(() => built.Call(Tensor.Zeros(2, 5, 6))).Message);

        foreach (string json in new[]
        {
            """{"name":"e","equation":"ab,bc->ac"}""", """{"name":"e","equation":"ab,bc->ac","output_shape":[0]}""",
            """{"name":"e","equation":"abc,bcd->abd","output_shape":4}""", """{"name":"e","output_shape":4}""",
            """{"name":"e","equation":"ab,bc->ac","output_shape":4,"bias_axes":7}""", """{"name":"e","equation":"ab,bc->ac","output_shape":4,"lora_rank":2}""",
        })
            Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("EinsumDense", JsonNode.Parse(json)!.AsObject()));
    }

    [Fact]
    public void TrainsSavesLoadsSummarizesAndExportsToOnnx()
    {
        RandomGenerator.SetGlobalSeed(4);
        var model = Sample();
        var x = Tensor.RandomUniform(new Shape(16, 5, 4), -1f, 1f, new RandomGenerator(8));
        var y = Tensor.RandomUniform(new Shape(16, 2), -0.5f, 0.5f, new RandomGenerator(9));
        model.Compile(new Adam(0.01f), "mse");
        var history = model.Fit(x, y, epochs: 8, batchSize: 8, verbose: 0);
        Assert.True(history["loss"][^1] < history["loss"][0], $"loss {history["loss"][0]} → {history["loss"][^1]}");
        string summary = model.Summary(_ => { });
        Assert.Contains("split_heads (EinsumDense)", summary);
        Assert.Contains("(None, 5, 2, 3)", summary);

        string path = _temp.File("einsum.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(model.Layers.Select(l => l.TypeName), loaded.Layers.Select(l => l.TypeName));
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());

        OnnxRunner.AssertMatches(model, [x], "EinsumDense");
    }

    /// <summary>
    /// Inference reads the kernel prepared once (permuted and flattened, EinsumDenseKernelCache): a Predict after
    /// each kind of weight change — a write through Span, SetWeights, a training step, LoadWeights — sees the new
    /// weights, at a few rows (read in place) and at many (the packed product), with and without a kernel permutation.
    /// Each Predict gives the bits of the training path (the kernel permuted by the autograd ops).
    /// </summary>
    [Theory]
    [InlineData("abc,dc->adb", 1, 4)]    // kernel (d, c) permuted to (c, d); 5 rows: read in place
    [InlineData("abc,dc->adb", 40, 24)]
    [InlineData("abc,cde->abde", 1, 4)]  // kernel already (c, d·e): a view
    [InlineData("abc,cde->abde", 40, 24)]
    public void PredictSeesEveryWeightChangeAfterAPredict(string equation, int batch, int units)
    {
        int?[] output = equation == "abc,dc->adb" ? [units, null] : [null, 2, units / 2];
        var model = new Sequential(new EinsumDense(equation, output, biasAxes: equation == "abc,dc->adb" ? "d" : "de", inputShape: [5, 12], name: "einsum"));
        var layer = (EinsumDense)model.Layers[0];
        var kernel = layer.Parameters.Single(p => p.Name == "kernel").Value;
        var x = Tensor.RandomUniform(new Shape(batch, 5, 12), -1f, 1f, new RandomGenerator(3));
        float[] TrainingPath() => layer.Call(x).ToArray();   // the kernel requires grad: permuted through the ops

        var before = model.Predict(x).ToArray();
        Assert.Equal(TrainingPath(), before);
        Assert.Equal(before, model.Predict(x).ToArray());

        kernel.Span[1] += 0.5f;                                                  // a user's write
        var afterWrite = model.Predict(x).ToArray();
        Assert.NotEqual(before, afterWrite);
        Assert.Equal(TrainingPath(), afterWrite);

        var weights = layer.GetWeights().Select(w => w.Clone()).ToArray();
        weights[0].Span[2] -= 0.75f;
        layer.SetWeights(weights);                                               // SetWeights
        var afterSet = model.Predict(x).ToArray();
        Assert.NotEqual(afterWrite, afterSet);
        Assert.Equal(TrainingPath(), afterSet);

        model.Compile(new Sgd(0.1f), "mse");
        var target = Tensor.RandomUniform(model.Predict(x).Shape, -1f, 1f, new RandomGenerator(4));
        model.Fit(x, target, epochs: 1, batchSize: batch, shuffle: false, verbose: 0);    // an optimizer step
        var afterStep = model.Predict(x).ToArray();
        Assert.NotEqual(afterSet, afterStep);
        Assert.Equal(TrainingPath(), afterStep);

        string path = _temp.File("einsum.weights.safetensors");
        model.SaveWeights(path);
        kernel.Span.Fill(0.25f);
        var filled = model.Predict(x).ToArray();
        Assert.NotEqual(afterStep, filled);
        model.LoadWeights(path);                                                 // LoadWeights
        Assert.Equal(afterStep, model.Predict(x).ToArray());
    }

    /// <summary>The prepared kernel is kept while the weight is unchanged, rebuilt after a write, and training still reaches the kernel.</summary>
    [Fact]
    public void PreparedKernelIsReusedUntilTheWeightChangesAndTrainingStillReachesTheKernel()
    {
        var layer = new EinsumDense("abc,dc->adb", [6, null], biasAxes: "d");
        var x = GradCheck.Random(1, 2, 5, 4);
        layer.Build(x.Shape.WithoutBatch());
        var kernel = layer.Parameters.Single(p => p.Name == "kernel").Value;
        var cache = new EinsumDenseKernelCache();
        var first = cache.For(kernel, layer.Plan);
        Assert.Same(first, cache.For(kernel, layer.Plan));
        Assert.Equal(new Shape(4, 6), first.Shape);
        for (int d = 0; d < 6; d++)
            for (int c = 0; c < 4; c++)
                Assert.Equal(kernel.ToArray()[d * 4 + c], first.ToArray()[c * 6 + d]);
        kernel.Span[0] = 9f;
        var second = cache.For(kernel, layer.Plan);
        Assert.NotSame(first, second);
        Assert.Equal(9f, second.ToArray()[0]);

        Tensor inference;
        using (NoGrad.Scope()) inference = layer.Call(x);
        var y = layer.Call(x, training: true);
        Assert.Equal(inference.ToArray(), y.ToArray());
        kernel.Grad = null;
        Ops.Sum(y).Backward();
        Assert.NotNull(kernel.Grad);
        // d(sum y)/dW[d, c] = Σ_batch,b x[·, c, b]: each kernel row gets the input's column sums.
        var xs = x.ToArray();
        var grad = kernel.Grad!.ToArray();
        for (int d = 0; d < 6; d++)
            for (int c = 0; c < 4; c++)
            {
                double expected = 0;
                for (int n = 0; n < 2; n++)
                    for (int b = 0; b < 5; b++) expected += xs[(n * 5 + b) * 4 + c];
                Assert.Equal(expected, grad[d * 4 + c], 1e-5);
            }
    }
}
