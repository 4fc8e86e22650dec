using DeepSharp.Data;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>Keras's <c>layer.adapt(dataset)</c> for a <see cref="DataLoader"/> (layers know nothing of data loaders).</summary>
public static class PreprocessingAdapt
{
    /// <summary>
    /// <see cref="Normalization.Adapt(Tensor)"/> over the inputs of every batch of one pass of <paramref name="data"/>
    /// (a single-input loader; targets are not read).
    /// </summary>
    /// <exception cref="ArgumentException">The loader gives no samples, or a value that is not finite.</exception>
    /// <exception cref="ShapeMismatchException">The batches' per-sample shape differs from the layer's.</exception>
    public static void Adapt(this Normalization layer, DataLoader data)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(data);
        layer.Adapt(data.Pass().Select(b => b.X));
    }
}
