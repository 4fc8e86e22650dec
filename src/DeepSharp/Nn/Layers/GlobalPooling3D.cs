using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// What GlobalMaxPooling3D and GlobalAveragePooling3D share: one value per channel over depth, height
/// and width of channels-last volumes, (batch, d, h, w, c) → (batch, c), or (batch, 1, 1, 1, c) with
/// <see cref="KeepDims"/> (Keras's <c>keepdims</c>).
/// </summary>
public abstract class GlobalPooling3D(bool keepDims, string? name, int[]? inputShape) : Layer(name, inputShape)
{
    /// <summary>Whether the output keeps the three pooled axes as size 1.</summary>
    public bool KeepDims { get; } = keepDims;

    /// <summary>(channels), or (1, 1, 1, channels) with <see cref="KeepDims"/>.</summary>
    /// <exception cref="ShapeMismatchException">The input is not a non-empty (depth, height, width, channels) volume.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 4 || inputShape[0] == 0 || inputShape[1] == 0 || inputShape[2] == 0)
            throw ShapeError("(batch, depth, height, width, channels), non-empty", inputShape);
        return KeepDims ? new Shape(1, 1, 1, inputShape[3]) : new Shape(inputShape[3]);
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (x.Rank != 5) throw ShapeError("(batch, depth, height, width, channels)", x.Shape.WithoutBatch());
        ComputeOutputShape(x.Shape.WithoutBatch());
        // One window over (depth, height·width) of a free (N, D, H·W, C) view: the 2-D pooling kernels do the work.
        var planes = Ops.Reshape(x, x.Shape[0], x.Shape[1], x.Shape[2] * x.Shape[3], x.Shape[4]);
        var pooled = Pool(planes, (x.Shape[1], x.Shape[2] * x.Shape[3]));
        return KeepDims ? Ops.Reshape(pooled, x.Shape[0], 1, 1, 1, x.Shape[4]) : Ops.Reshape(pooled, x.Shape[0], x.Shape[4]);
    }

    /// <summary>Reduces each channel of (batch, d, h·w, c) over one window of <paramref name="window"/>.</summary>
    private protected abstract Tensor Pool(Tensor planes, (int H, int W) window);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["data_format"] = "channels_last";
        config["keepdims"] = KeepDims;
        return config;
    }
}
