using DeepSharp.Kernels.Cpu;

namespace DeepSharp.Nn;

/// <summary>
/// How the image augmentation layers (<see cref="Layers.RandomRotation"/>, <see cref="Layers.RandomTranslation"/>,
/// <see cref="Layers.RandomZoom"/>) fill pixels that a transform reads from outside the image (Keras's
/// <c>fill_mode</c>).
/// </summary>
public enum FillMode
{
    /// <summary>Mirror the image about the edge of its last pixel, (d c b a | a b c d | d c b a): Keras's default.</summary>
    Reflect,

    /// <summary>Read one constant value, the layer's <c>fillValue</c>: (k k k k | a b c d | k k k k).</summary>
    Constant,
}

/// <summary>The kernel's form of a <see cref="FillMode"/>.</summary>
internal static class FillModes
{
    public static EdgeFill ToKernel(this FillMode mode) => mode switch
    {
        FillMode.Reflect => EdgeFill.Reflect,
        FillMode.Constant => EdgeFill.Constant,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown fill mode."),
    };
}
