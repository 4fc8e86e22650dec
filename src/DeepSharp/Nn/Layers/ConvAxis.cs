using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// The output size of a convolution or pooling layer along one axis, from
/// <see cref="Conv2DGeometry.OutputSize"/> (64-bit arithmetic), with the failures turned into
/// <see cref="ShapeMismatchException"/>s that name the layer, the kernel, stride and dilation, and the input.
/// </summary>
internal static class ConvAxis
{
    /// <summary>The output size along <paramref name="axis"/> ("height", "width", "steps"); throws unless it is at least 1.</summary>
    public static int OutputSize(Layer layer, string axis, Shape inputShape, int input, int kernel, int stride, int dilation, Padding padding)
    {
        int output;
        try
        {
            // Causal pads dilation·(kernel − 1) before the input alone: the same output size as Same.
            output = Conv2DGeometry.OutputSize(input, kernel, stride, dilation, padding != Padding.Valid).Out;
        }
        catch (ArgumentException e)
        {
            throw new ShapeMismatchException($"Layer '{layer.Name}' ({layer.TypeName}) does not fit inputs {inputShape.ToBatchString()} along the {axis}: {e.Message}");
        }
        if (output > 0) return output;
        long effective = Conv2DGeometry.EffectiveSize(kernel, dilation);
        string window = layer is Pooling2D or Pooling1D or Pooling3D ? "pool" : "kernel";
        string dilated = dilation == 1 ? $"a {window} of {kernel}" : $"a {window} of {kernel} with dilation_rate {dilation} (spanning {effective})";
        throw new ShapeMismatchException(
            $"Layer '{layer.Name}' ({layer.TypeName}): {dilated} does not fit inputs {inputShape.ToBatchString()} of {input} along the {axis} " +
            $"with '{padding.ToName()}' padding.");
    }
}
