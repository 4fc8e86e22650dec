using DeepSharp.Compression;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Compression;

/// <summary>
/// Quantize keeps the float model's compile settings (Keras's <c>model.quantize</c> quantizes a compiled model in
/// place): Evaluate runs on the int8 model at once, with the same log names, and its optimizer is a fresh one.
/// </summary>
public class QuantizedCompileSettingsTests
{
    private static readonly Tensor Labels = Tensor.FromArray(Enumerable.Range(0, 40).Select(i => i % 4).ToArray(), 40);

    [Fact]
    public void ACompiledSequentialGivesACompiledInt8Model()
    {
        var model = QuantizationTestModels.Cnn();
        var adam = new Adam(0.003f);
        model.Compile(adam, new SparseCategoricalCrossentropy(fromLogits: true), [new SparseCategoricalAccuracy()]);
        var x = QuantizationTestModels.Images(40, 32);
        model.Fit(x, Labels, epochs: 1, batchSize: 20, verbose: 0);

        var int8 = Quantization.Quantize(model, QuantizationTestModels.Images(200, 31));

        Assert.Equal(model.MetricNames, int8.MetricNames);
        var opt = Assert.IsType<Adam>(int8.Optimizer);
        Assert.NotSame(adam, opt);
        Assert.Equal(0.003f, opt.LearningRate);
        Assert.Equal(0, opt.Iterations);
        Assert.IsType<SparseCategoricalCrossentropy>(int8.Loss);
        var scores = int8.Evaluate(x, Labels);
        Assert.Equal(int8.MetricNames.OrderBy(n => n), scores.Keys.OrderBy(n => n));
        Assert.InRange(scores["sparse_categorical_accuracy"], 0.0, 1.0);
    }

    [Fact]
    public void ACompiledFunctionalModelGivesACompiledInt8Model()
    {
        RandomGenerator.SetGlobalSeed(5);
        var input = Model.Input([10, 10, 2]);
        var a = new Conv2D(8, (3, 3), padding: Padding.Same, activation: Activation.Relu).Call(input);
        var b = new Conv2D(8, (3, 3), padding: Padding.Same).Call(a);
        var h = new Flatten().Call(new MaxPooling2D((2, 2)).Call(new Relu().Call(new Add().Call(a, b))));
        var model = new Functional(input, new Dense(4).Call(h), "residual");
        model.Compile(new Sgd(0.05f, momentum: 0.9f), new SparseCategoricalCrossentropy(fromLogits: true), [new SparseCategoricalAccuracy()]);

        var int8 = Quantization.Quantize(model, QuantizationTestModels.Images(100, 31));

        Assert.IsType<Sgd>(int8.Optimizer);
        Assert.Equal(model.MetricNames, int8.MetricNames);
        Assert.Contains("loss", int8.Evaluate(QuantizationTestModels.Images(40, 32), Labels).Keys);
    }

    [Fact]
    public void AnUncompiledModelGivesAnUncompiledInt8Model()
    {
        var int8 = Quantization.Quantize(QuantizationTestModels.Cnn(), QuantizationTestModels.Images(100, 31));

        Assert.Null(int8.Optimizer);
        Assert.Throws<InvalidOperationException>(() => int8.Evaluate(QuantizationTestModels.Images(8, 32), Labels.SliceRows(0, 8)));
    }
}
