using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Training;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// A training step through the convolution variants allocates only its graph nodes (about 90–150 B
/// per op, as a Conv2D's; 1,568 B for this model when written): the kernels' parallel bodies and
/// scratch are cached, the temporaries pooled.
/// </summary>
public class ConvolutionVariantAllocationTests
{
    [Fact]
    public void ATrainingStepAllocatesOnlyItsGraphNodes()
    {
        RandomGenerator.SetGlobalSeed(26);
        var model = new Sequential(
            new ZeroPadding2D(1, inputShape: [8, 8, 3]),
            new DepthwiseConv2D(3, strides: 2, depthMultiplier: 2),
            new SeparableConv2D(4, 3, padding: Padding.Same),
            new Conv2DTranspose(3, 3, strides: 2, padding: Padding.Same),
            new UpSampling2D(2, Interpolation.Bilinear),
            new Cropping2D(2),
            new GlobalAveragePooling2D(),
            new Dense(2));
        model.Compile(new Adam(), new MeanSquaredError());
        var x = Tensor.RandomUniform(new Shape(8 * 30, 8, 8, 3), generator: new RandomGenerator(27));
        var y = Tensor.RandomUniform(new Shape(8 * 30, 2), generator: new RandomGenerator(28));
        var meter = new StepAllocationMeter();
        model.Fit(x, y, batchSize: 8, epochs: 1, verbose: 0, callbacks: [meter]);
        long median = meter.SteadyMedian();
        Assert.True(median <= 1792, $"A training step allocated {median} B (median); all: {string.Join(",", meter.PerStep)}");
    }
}
