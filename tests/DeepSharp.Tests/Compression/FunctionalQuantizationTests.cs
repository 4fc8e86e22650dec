using DeepSharp.Compression;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Compression;

/// <summary>Post-training quantization of functional models: a residual Add between int8 layers, files, Evaluate, QDQ export.</summary>
public class FunctionalQuantizationTests
{
    /// <summary>Conv2D ReLU → Conv2D → Add (residual) → ReLU → MaxPool → Flatten → Dense ReLU → Dense logits.</summary>
    private static Model Residual(int seed = 5)
    {
        RandomGenerator.SetGlobalSeed(seed);
        var x = Model.Input([10, 10, 2]);
        var a = new Conv2D(8, (3, 3), padding: Padding.Same, activation: Activation.Relu).Call(x);
        var b = new Conv2D(8, (3, 3), padding: Padding.Same).Call(a);
        var h = new Relu().Call(new Add().Call(a, b));
        h = new Flatten().Call(new MaxPooling2D((2, 2)).Call(h));
        var y = new Dense(4).Call(new Dense(16, Activation.Relu).Call(h));
        return new Functional(x, y, "residual");
    }

    [Fact]
    public void ResidualModelPredictsCloseToFloatAndRoundTripsBitExact()
    {
        var model = Residual();
        var quantized = Quantization.Quantize(model, QuantizationTestModels.Images(200, 11));
        Assert.IsType<Functional>(quantized);
        Assert.Equal(4, quantized.Layers.Count(l => l is QuantizedConv2D or QuantizedDense));
        Assert.Equal(Activation.Relu, Assert.Single(quantized.Layers.OfType<QuantizedAdd>()).Activation); // the residual Add in int8, its ReLU fused
        Assert.Empty(quantized.Layers.OfType<Add>());
        Assert.Equal(0, quantized.Layers.OfType<QuantizedConv2D>().First().InputZeroPoint); // images ≥ 0
        string text = Quantization.Describe(quantized);
        Assert.Contains("5 of 9 layers compute in int8.", text);
        Assert.Contains("u8 (runs on the bytes", text); // the ReLU, pool and Flatten after the Add run on bytes

        var test = QuantizationTestModels.Images(100, 12);
        var expected = model.Predict(test).ToArray();
        var actual = quantized.Predict(test).ToArray();
        float largest = expected.Max(Math.Abs);
        int agree = 0;
        // Four int8 layers in a row, the residual sum of two of them: the error adds up to a few steps of the last grid.
        double meanError = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 0.1f * largest, $"output {i}: float {expected[i]}, int8 {actual[i]} (largest {largest})");
            meanError += Math.Abs(expected[i] - actual[i]) / expected.Length;
        }
        Assert.True(meanError <= 0.02 * largest, $"mean error {meanError} (largest output {largest})");
        for (int s = 0; s < 100; s++)
            if (ArgMax(expected, s) == ArgMax(actual, s)) agree++;
        Assert.True(agree >= 90, $"{agree} of 100 predictions agree");

        // One file, int8 tensors in it, loaded back to the same bits; Evaluate sees the same model.
        using var folder = new TempFolder();
        string path = folder.File("residual-int8.safetensors");
        quantized.Save(path);
        Assert.Equal(DeepSharp.Serialization.SafetensorsDType.I8,
            DeepSharp.Serialization.SafetensorsFile.Load(path).Entries.Single(e => e.Name == quantized.Layers.OfType<QuantizedConv2D>().Last().Name + "/kernel").DType);
        var loaded = Model.Load(path);
        Assert.IsType<Functional>(loaded);
        Assert.Equal(actual, loaded.Predict(test).ToArray());

        var labels = Tensor.FromArray(Enumerable.Range(0, 100).Select(i => (float)(i % 4)).ToArray(), new Shape(100));
        quantized.Compile(new Adam(), new SparseCategoricalCrossentropy(fromLogits: true), [new SparseCategoricalAccuracy()]);
        loaded.Compile(new Adam(), new SparseCategoricalCrossentropy(fromLogits: true), [new SparseCategoricalAccuracy()]);
        var a = quantized.Evaluate(test, labels);
        var b = loaded.Evaluate(test, labels);
        Assert.Equal(a["loss"], b["loss"]);
        Assert.True(float.IsFinite((float)a["loss"]));
    }

    [Fact]
    public void AFunctionalChainGivesTheBitsOfTheSequentialOne()
    {
        // The same layers as QuantizationTestModels.Cnn, as a graph: the same ranges, the same int8
        // layers, so Predict through the graph (layer by layer) equals Predict through the
        // Sequential (one u8 chain) bit for bit.
        var sequential = QuantizationTestModels.Cnn();
        var x = Model.Input([10, 10, 2]);
        SymbolicTensor h = x;
        foreach (var layer in sequential.Layers) h = LayerRegistry.Clone(layer).Call(h);
        var graph = new Functional(x, h);
        for (int i = 0; i < sequential.Layers.Count; i++)
        {
            var from = sequential.Layers[i].Parameters;
            var to = graph.Layers[i + 1].Parameters;
            for (int p = 0; p < from.Count; p++) from[p].Value.Span.CopyTo(to[p].Value.Span);
        }
        var calibration = QuantizationTestModels.Images(150, 11);
        var options = new QuantizationOptions { Method = CalibrationMethod.Percentile };
        var a = Quantization.Quantize(sequential, calibration, options);
        var b = Quantization.Quantize(graph, calibration, options);
        var test = QuantizationTestModels.Images(33, 12);
        Assert.Equal(a.Predict(test).ToArray(), b.Predict(test).ToArray());
        Assert.Equal(a.Predict(test.SliceRows(0, 1)).ToArray(), b.Predict(test.SliceRows(0, 1)).ToArray());
    }

    [Fact]
    public void OnnxRuntimeRunsTheQdqExportOfTheResidualModelAsPredict()
    {
        var quantized = Quantization.Quantize(Residual(), QuantizationTestModels.Images(200, 11));
        var x = QuantizationTestModels.Images(50, 14);
        var want = quantized.Predict(x).ToArray();
        var actual = OnnxRunner.Run(quantized, [x])[0];
        Assert.Equal(want.Length, actual.Length);
        // As QuantizedOnnxTests: an input of the last layer on a rounding boundary may land one
        // step away in ONNX Runtime, which rounds its float sums differently.
        var last = quantized.Layers.OfType<QuantizedDense>().Last();
        float step = last.InputScale * last.Parameters.First(p => p.Name == "kernel_scale").Value.ToArray().Max() * 127f;
        int exact = 0;
        for (int i = 0; i < want.Length; i++)
        {
            float diff = Math.Abs(want[i] - actual[i]);
            Assert.True(diff <= 4 * step + 1e-5f * Math.Abs(want[i]), $"output {i}: Predict {want[i]}, ONNX Runtime {actual[i]} (step {step})");
            if (diff <= 1e-4f * Math.Abs(want[i]) + 1e-5f) exact++;
        }
        Assert.True(exact >= want.Length * 8 / 10, $"{exact} of {want.Length} outputs agree to float rounding");
    }

    [Fact]
    public void ASharedLayerStaysFloatAndOneTensorForTwoInputsIsRefused()
    {
        RandomGenerator.SetGlobalSeed(9);
        var x = Model.Input([6]);
        var shared = new Dense(6, Activation.Relu);
        var y = new Dense(3).Call(shared.Call(shared.Call(x)));
        var model = new Functional(x, y);
        var quantized = Quantization.Quantize(model, Tensor.RandomUniform(new Shape(64, 6), 0f, 1f, new RandomGenerator(1)));
        Assert.Single(quantized.Layers.OfType<QuantizedDense>());
        Assert.Single(quantized.Layers.OfType<Dense>());

        var p = Model.Input([4]);
        var q = Model.Input([4]);
        var two = new Functional([p, q], [new Dense(2).Call(new Add().Call(p, q))]);
        var error = Assert.Throws<ArgumentException>(() => Quantization.Quantize(two, Tensor.Zeros(4, 4)));
        Assert.Contains("2 inputs", error.Message);
    }

    [Fact]
    public void AModelWithTwoInputsQuantizesEachBranchAndRoundTrips()
    {
        // A Conv1D branch over a signal and a Dense branch over features, joined by Concatenate.
        RandomGenerator.SetGlobalSeed(12);
        var signal = Model.Input([16, 2], name: "signal");
        var features = Model.Input([5], name: "features");
        var a = new Flatten().Call(new Conv1D(4, 3, activation: Activation.Relu).Call(signal));
        var b = new Dense(6, Activation.Relu).Call(features);
        var y = new Dense(3).Call(new Concatenate().Call(a, b));
        var model = new Functional([signal, features], [y], "two_inputs");
        Tensor Signal(int n, int seed) => Tensor.RandomUniform(new Shape(n, 16, 2), -1f, 1f, new RandomGenerator(seed));
        Tensor Features(int n, int seed) => Tensor.RandomUniform(new Shape(n, 5), 0f, 2f, new RandomGenerator(seed));

        var quantized = Quantization.Quantize(model, [Signal(150, 1), Features(150, 2)]);
        Assert.Single(quantized.Layers.OfType<QuantizedConv1D>());
        Assert.Equal(2, quantized.Layers.OfType<QuantizedDense>().Count());
        Assert.Equal(0, quantized.Layers.OfType<QuantizedDense>().First(l => l.Units == 6).InputZeroPoint); // features ≥ 0

        Tensor[] test = [Signal(40, 3), Features(40, 4)];
        var expected = model.Predict(test)[0].ToArray();
        var actual = quantized.Predict(test)[0].ToArray();
        float largest = expected.Max(Math.Abs);
        double meanError = 0;
        for (int i = 0; i < expected.Length; i++) meanError += Math.Abs(expected[i] - actual[i]) / expected.Length;
        Assert.True(meanError <= 0.03 * largest, $"mean error {meanError} (largest output {largest})");

        using var folder = new TempFolder();
        string path = folder.File("two-inputs-int8.safetensors");
        quantized.Save(path);
        Assert.Equal(actual, Model.Load(path).Predict(test)[0].ToArray());
        var onnx = OnnxRunner.Run(quantized, test)[0];
        Assert.Equal(actual.Length, onnx.Length);
        var last = quantized.Layers.OfType<QuantizedDense>().Single(l => l.Units == 3);
        float step = last.InputScale * last.Parameters.First(p => p.Name == "kernel_scale").Value.ToArray().Max() * 127f;
        for (int i = 0; i < actual.Length; i++)
            Assert.True(Math.Abs(actual[i] - onnx[i]) <= 4 * step + 1e-5f * Math.Abs(actual[i]), $"output {i}: Predict {actual[i]}, ONNX Runtime {onnx[i]} (step {step})");

        var wrong = Assert.Throws<ArgumentException>(() => Quantization.Quantize(model, [Signal(10, 1), Features(9, 2)]));
        Assert.Contains("same number", wrong.Message);
        var shape = Assert.Throws<ArgumentException>(() => Quantization.Quantize(model, [Features(10, 2), Signal(10, 1)]));
        Assert.Contains("input 0 ('signal')", shape.Message);
    }

    private static int ArgMax(float[] rows, int row)
    {
        int best = 0;
        for (int j = 1; j < 4; j++)
            if (rows[row * 4 + j] > rows[row * 4 + best]) best = j;
        return best;
    }
}
