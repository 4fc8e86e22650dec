using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// What GlobalMaxPooling2D and GlobalAveragePooling2D share: one value per channel over height and width of
/// channels-last images, (batch, h, w, c) → (batch, c), or (batch, 1, 1, c) with <see cref="KeepDims"/> (Keras's
/// <c>keepdims</c>).
/// </summary>
public abstract class GlobalPooling2D(bool keepDims, string? name, int[]? inputShape) : Layer(name, inputShape)
{
    /// <summary>Whether the output keeps the height and width axes as size 1.</summary>
    public bool KeepDims { get; } = keepDims;

    /// <summary>(channels), or (1, 1, channels) with <see cref="KeepDims"/>.</summary>
    /// <exception cref="ShapeMismatchException">The input is not a non-empty (height, width, channels) image.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 3 || inputShape[0] == 0 || inputShape[1] == 0) throw ShapeError("(batch, height, width, channels), non-empty", inputShape);
        return KeepDims ? new Shape(1, 1, inputShape[2]) : new Shape(inputShape[2]);
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (x.Rank != 4) throw ShapeError("(batch, height, width, channels)", x.Shape.WithoutBatch());
        // One window covering the whole image: the pooling kernels do the work.
        var pooled = Pool(x, (x.Shape[1], x.Shape[2]));
        return KeepDims ? pooled : Ops.Reshape(pooled, x.Shape[0], x.Shape[3]);
    }

    /// <summary>Reduces each channel of (batch, h, w, c) over one window of <paramref name="window"/> to (batch, 1, 1, c).</summary>
    private protected abstract Tensor Pool(Tensor images, (int H, int W) window);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["data_format"] = "channels_last";
        config["keepdims"] = KeepDims;
        return config;
    }
}
