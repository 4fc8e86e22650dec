using DeepSharp.Compression;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Docs;
using DeepSharp.Training;

namespace DeepSharp.Tests.Compression;

/// <summary>docs/compression.md's examples, run as written, with what their comments say checked.</summary>
public sealed class CompressionDocTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ThePagesExamplesAreHere() => MarkdownExamples.AssertAllIn("compression.md", "Compression/CompressionDocTests.cs", expectedBlocks: 6);

    [Fact]
    public void MagnitudePruningExample()
    {
        var (model, x, y) = PruningTestModels.Mlp();
        string path = _temp.File("pruned.safetensors");
        var schedule = new PolynomialDecaySparsity(initialSparsity: 0.5f, finalSparsity: 0.9f, beginStep: 0, endStep: 20, frequency: 5);
        model.Fit(x, y, batchSize: 16, epochs: 5, verbose: 0, callbacks: [new PruningCallback(schedule)]);
        var sparsity = Pruning.Sparsity(model); // by layer: { "dense": 0.9, "dense_1": 0.9 }
        string summary = model.Summary();       // prints the table; it ends with each pruned layer's sparsity
        Pruning.StripPruning(model);            // an ordinary model again, zeros included
        model.Save(path);

        Assert.Equal(54 / 60.0, sparsity["dense"], 9);
        Assert.Equal(27 / 30.0, sparsity["dense_1"], 9);
        Assert.Contains("   dense: 90.00 % (54 of 60)", summary);
        Assert.Equal(54, PruningTestModels.Zeros(PruningTestModels.Weight(Model.Load(path), "dense/kernel").Value));
    }

    [Fact]
    public void StructuredPruningShrinksTheConvnet()
    {
        RandomGenerator.SetGlobalSeed(4);
        var convnet = new Sequential(
            new Conv2D(32, (3, 3), activation: Activation.Relu, inputShape: [28, 28, 1]),
            new MaxPooling2D((2, 2)),
            new Conv2D(64, (3, 3), activation: Activation.Relu),
            new MaxPooling2D((2, 2)),
            new Flatten(),
            new Dropout(0.5f),
            new Dense(10, Activation.Softmax));
        var smaller = StructuredPruning.Prune(convnet, 0.5f);
        // Conv2D 32 → 16 filters, Conv2D 64 → 32 (with 16 inputs), Dense 10 with half its inputs
        smaller.Compile(new Adam(), new SparseCategoricalCrossentropy());

        Assert.Equal(new Shape(3, 3, 1, 16), PruningTestModels.Weight(smaller, "conv2d/kernel").Shape);
        Assert.Equal(new Shape(3, 3, 16, 32), PruningTestModels.Weight(smaller, "conv2d_1/kernel").Shape);
        Assert.Equal(new Shape(5 * 5 * 32, 10), PruningTestModels.Weight(smaller, "dense/kernel").Shape);
        Assert.Equal(12_810, smaller.Parameters.Sum(p => p.Value.Size));
    }

    [Fact]
    public void DistillationExample()
    {
        var (teacher, x, y) = PruningTestModels.Mlp(5);
        teacher.Fit(x, y, batchSize: 16, epochs: 10, verbose: 0);
        var student = new Sequential(new Dense(3, inputShape: [6]));
        string path = _temp.File("student.safetensors");
        var distiller = new Distiller(teacher, student, temperature: 3f, alpha: 0.1f);
        distiller.Compile(new Adam(0.01f), new SparseCategoricalCrossentropy(fromLogits: true), [new SparseCategoricalAccuracy()]);
        distiller.Fit(x, y, batchSize: 16, epochs: 5, verbose: 0);
        var scores = distiller.Evaluate(x, y); // the student's loss and accuracy
        student.Save(path);                    // save the student, not the distiller

        Assert.Equal(["loss", "sparse_categorical_accuracy"], scores.Keys.Order());
        Assert.Equal(student.Predict(x).ToArray(), Model.Load(path).Predict(x).ToArray());
    }

    [Fact]
    public void PostTrainingQuantizationExample()
    {
        var model = QuantizationTestModels.Cnn();
        var xTrain = QuantizationTestModels.Images(1200, 31);
        var xTest = QuantizationTestModels.Images(40, 32);
        var yTest = Tensor.FromArray(Enumerable.Range(0, 40).Select(i => i % 4).ToArray(), 40);
        string path = _temp.File("int8.safetensors"), onnxPath = _temp.File("int8.onnx");
        var calibration = xTrain.SliceRows(0, 1000);   // typical inputs; no labels needed
        var int8 = Quantization.Quantize(model, calibration, new QuantizationOptions { Method = CalibrationMethod.Percentile });
        string report = Quantization.Describe(int8);   // one line per layer: int8 (scale, zero point) or float
        int8.Compile(new Adam(), new SparseCategoricalCrossentropy(fromLogits: true), [new SparseCategoricalAccuracy()]); // only when model was not compiled
        var scores = int8.Evaluate(xTest, yTest);
        int8.Save(path);                               // I8 kernels, F32 scales, U8 zero points; Model.Load reads it
        int8.ExportOnnx(onnxPath);                     // QDQ: QuantizeLinear/DequantizeLinear around MatMul and Conv

        Assert.Contains("4 of 6 layers compute in int8.", report);
        Assert.Contains("sparse_categorical_accuracy", scores.Keys);
        Assert.Equal(int8.Predict(xTest).ToArray(), Model.Load(path).Predict(xTest).ToArray());
        Assert.True(File.Exists(onnxPath));
    }

    [Fact]
    public void FunctionalQuantizationExample()
    {
        RandomGenerator.SetGlobalSeed(21);
        var calibration = Tensor.RandomUniform(new Shape(64, 28, 28, 1), 0f, 1f, new RandomGenerator(22));
        var x = Model.Input([28, 28, 1]);
        var a = new Conv2D(16, (3, 3), padding: Padding.Same, activation: Activation.Relu).Call(x);
        var b = new Conv2D(16, (3, 3), padding: Padding.Same).Call(a);
        var h = new Flatten().Call(new MaxPooling2D((2, 2)).Call(new Relu().Call(new Add().Call(a, b))));
        var residual = new Functional(x, new Dense(10).Call(h));
        // ... Compile and Fit residual ...
        Model int8Residual = Quantization.Quantize(residual, calibration);   // a Functional: convs, Add and Dense int8

        Assert.IsType<Functional>(int8Residual);
        Assert.Equal(3, int8Residual.Layers.Count(l => l is QuantizedConv2D or QuantizedDense));
        Assert.Single(int8Residual.Layers.OfType<QuantizedAdd>());
        Assert.Equal(residual.Predict(calibration).Shape, int8Residual.Predict(calibration).Shape);
    }

    [Fact]
    public void QuantizationAwareTrainingExample()
    {
        var model = QuantizationTestModels.Cnn();
        var x = QuantizationTestModels.Images(64, 33);
        var y = Tensor.FromArray(Enumerable.Range(0, 64).Select(i => i % 4).ToArray(), 64);
        var qat = Quantization.PrepareForTraining(model);   // fake-quantized Dense and Conv2D
        qat.Compile(new Adam(1e-3f), new SparseCategoricalCrossentropy(fromLogits: true));
        qat.Fit(x, y, batchSize: 32, epochs: 2, verbose: 0);
        var converted = Quantization.Convert(qat);          // QuantizedDense/QuantizedConv2D with the trained ranges

        Assert.IsType<QuantizedDense>(converted.Layers[^1]);
        Assert.Equal(qat.Predict(x).Shape, converted.Predict(x).Shape);
    }
}
