using DeepSharp.Nn;
using DeepSharp.Nn.Layers;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// Every convolution variant and resizing layer through the layer harness (shape, parameters, config
/// round trip, gradient check, a training step), with strides, both paddings and odd sizes. The
/// expected shapes are Keras's formulas, written out.
/// </summary>
public class ConvolutionVariantHarnessTests
{
    // Conv2DTranspose: valid → (in − 1)·s + k (k ≥ s) or in·s (k < s); same → in·s.
    [Fact] public void Conv2DTransposeValidStrided() => LayerHarness.Run(() => new Conv2DTranspose(4, 3, strides: 2, activation: Activation.Tanh), [5, 6, 2], [11, 13, 4], 3 * 3 * 4 * 2 + 4, batch: 2);
    [Fact] public void Conv2DTransposeSameStrided() => LayerHarness.Run(() => new Conv2DTranspose(3, (2, 3), (2, 2), Padding.Same), [3, 4, 2], [6, 8, 3], 2 * 3 * 3 * 2 + 3, batch: 2);
    [Fact] public void Conv2DTransposeKernelSmallerThanStride() => LayerHarness.Run(() => new Conv2DTranspose(2, (2, 3), (3, 2)), [4, 5, 3], [12, 11, 2], 2 * 3 * 2 * 3 + 2, batch: 2);
    [Fact] public void Conv2DTransposeSameOddStride() => LayerHarness.Run(() => new Conv2DTranspose(2, (3, 1), (3, 1), Padding.Same, useBias: false), [3, 5, 1], [9, 5, 2], 3 * 2, batch: 2);
    [Fact] public void Conv2DTransposeDilated() => LayerHarness.Run(() => new Conv2DTranspose(2, (3, 3), dilationRate: (2, 2)), [4, 3, 1], [8, 7, 2], 9 * 2 + 2, batch: 2);

    [Fact] public void DepthwiseConv2DValid() => LayerHarness.Run(() => new DepthwiseConv2D(3, activation: Activation.Tanh), [6, 7, 3], [4, 5, 3], 9 * 3 + 3, batch: 2);
    [Fact] public void DepthwiseConv2DSameStridedMultiplier() => LayerHarness.Run(() => new DepthwiseConv2D((2, 3), (2, 2), Padding.Same, depthMultiplier: 2), [5, 6, 3], [3, 3, 6], 2 * 3 * 3 * 2 + 6, batch: 2);
    [Fact] public void DepthwiseConv2DDilatedNoBias() => LayerHarness.Run(() => new DepthwiseConv2D((3, 3), depthMultiplier: 3, useBias: false, dilationRate: (2, 2)), [7, 7, 2], [3, 3, 6], 9 * 2 * 3, batch: 2);

    [Fact] public void SeparableConv2DValid() => LayerHarness.Run(() => new SeparableConv2D(4, 3, activation: Activation.Tanh), [6, 7, 3], [4, 5, 4], 9 * 3 + 3 * 4 + 4, batch: 2);
    [Fact] public void SeparableConv2DSameStridedMultiplier() => LayerHarness.Run(() => new SeparableConv2D(5, (3, 2), (2, 2), Padding.Same, depthMultiplier: 2), [5, 6, 3], [3, 3, 5], 3 * 2 * 3 * 2 + 6 * 5 + 5, batch: 2);
    [Fact] public void SeparableConv2DDilatedNoBias() => LayerHarness.Run(() => new SeparableConv2D(2, (3, 3), useBias: false, dilationRate: (2, 1)), [7, 5, 2], [3, 3, 2], 9 * 2 + 2 * 2, batch: 2);

    [Fact] public void UpSampling2DNearest() => LayerHarness.Run(() => new UpSampling2D(), [3, 4, 2], [6, 8, 2], 0, batch: 2);
    [Fact] public void UpSampling2DNearestUneven() => LayerHarness.Run(() => new UpSampling2D((3, 1)), [2, 5, 3], [6, 5, 3], 0, batch: 2);
    [Fact] public void UpSampling2DBilinear() => LayerHarness.Run(() => new UpSampling2D((2, 3), Interpolation.Bilinear), [3, 2, 3], [6, 6, 3], 0, batch: 2);
    [Fact] public void UpSampling2DBilinearOdd() => LayerHarness.Run(() => new UpSampling2D(3, Interpolation.Bilinear), [1, 3, 1], [3, 9, 1], 0, batch: 2);

    [Fact] public void ZeroPadding2DDefault() => LayerHarness.Run(() => new ZeroPadding2D(), [3, 4, 2], [5, 6, 2], 0, batch: 2);
    [Fact] public void ZeroPadding2DAsymmetric() => LayerHarness.Run(() => new ZeroPadding2D((1, 2), (0, 3)), [3, 3, 1], [6, 6, 1], 0, batch: 2);
    [Fact] public void ZeroPadding2DSymmetricPerAxis() => LayerHarness.Run(() => new ZeroPadding2D((2, 0)), [1, 5, 3], [5, 5, 3], 0, batch: 2);

    [Fact] public void Cropping2DAsymmetric() => LayerHarness.Run(() => new Cropping2D((1, 0), (2, 1)), [5, 6, 2], [4, 3, 2], 0, batch: 2);
    [Fact] public void Cropping2DAllSides() => LayerHarness.Run(() => new Cropping2D(1), [4, 5, 3], [2, 3, 3], 0, batch: 2);
    [Fact] public void Cropping2DNothing() => LayerHarness.Run(() => new Cropping2D(), [3, 2, 1], [3, 2, 1], 0, batch: 2);

    // The 1-D siblings: (steps, channels).
    [Fact] public void Conv1DTransposeValidStrided() => LayerHarness.Run(() => new Conv1DTranspose(3, 3, strides: 2, activation: Activation.Tanh), [5, 2], [11, 3], 3 * 3 * 2 + 3, batch: 2);
    [Fact] public void Conv1DTransposeSameOddStride() => LayerHarness.Run(() => new Conv1DTranspose(2, 2, strides: 3, padding: Padding.Same), [4, 3], [12, 2], 2 * 2 * 3 + 2, batch: 2);
    [Fact] public void Conv1DTransposeDilatedNoBias() => LayerHarness.Run(() => new Conv1DTranspose(2, 3, dilationRate: 2, useBias: false), [3, 1], [7, 2], 3 * 2, batch: 2);
    [Fact] public void UpSampling1DDefault() => LayerHarness.Run(() => new UpSampling1D(), [3, 4], [6, 4], 0, batch: 2);
    [Fact] public void UpSampling1DOdd() => LayerHarness.Run(() => new UpSampling1D(3), [5, 1], [15, 1], 0, batch: 2);
    [Fact] public void ZeroPadding1DDefault() => LayerHarness.Run(() => new ZeroPadding1D(), [3, 2], [5, 2], 0, batch: 2);
    [Fact] public void ZeroPadding1DAsymmetric() => LayerHarness.Run(() => new ZeroPadding1D((0, 3)), [4, 3], [7, 3], 0, batch: 2);
    [Fact] public void Cropping1DDefault() => LayerHarness.Run(() => new Cropping1D(), [5, 2], [3, 2], 0, batch: 2);
    [Fact] public void Cropping1DAsymmetric() => LayerHarness.Run(() => new Cropping1D((2, 0)), [7, 3], [5, 3], 0, batch: 2);
}
