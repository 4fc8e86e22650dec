using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Adds planes, rows and columns of zeros around channels-last volumes (Keras's ZeroPadding3D):
/// (d, h, w, c) → (front + d + back, top + h + bottom, left + w + right, c). No weights.
/// </summary>
public sealed class ZeroPadding3D : Layer
{
    /// <param name="depth">Planes of zeros added before and after along the depth.</param>
    /// <param name="rows">Rows of zeros added above and below.</param>
    /// <param name="columns">Columns of zeros added left and right.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException">A margin is negative.</exception>
    public ZeroPadding3D((int Front, int Back) depth, (int Top, int Bottom) rows, (int Left, int Right) columns, string? name = null, int[]? inputShape = null)
        : base(name, inputShape)
    {
        Depth = ConvolutionConfig.NonNegative(depth, "ZeroPadding3D", nameof(depth));
        Rows = ConvolutionConfig.NonNegative(rows, "ZeroPadding3D", nameof(rows));
        Columns = ConvolutionConfig.NonNegative(columns, "ZeroPadding3D", nameof(columns));
    }

    /// <summary>Symmetric padding, Keras's <c>padding=(d, h, w)</c>: d planes before and after, h rows above and below, w columns left and right.</summary>
    public ZeroPadding3D((int D, int H, int W) padding, string? name = null, int[]? inputShape = null)
        : this((padding.D, padding.D), (padding.H, padding.H), (padding.W, padding.W), name, inputShape)
    {
    }

    /// <summary>The same margin on all six sides, Keras's <c>padding=1</c> (the default).</summary>
    public ZeroPadding3D(int padding = 1, string? name = null, int[]? inputShape = null)
        : this((padding, padding), (padding, padding), (padding, padding), name, inputShape)
    {
    }

    /// <inheritdoc/>
    public override string TypeName => "ZeroPadding3D";
    /// <inheritdoc/>
    public override string DefaultNamePrefix => "zero_padding3d";
    /// <summary>Planes added before and after along the depth.</summary>
    public (int Front, int Back) Depth { get; }
    /// <summary>Rows added above and below.</summary>
    public (int Top, int Bottom) Rows { get; }
    /// <summary>Columns added left and right.</summary>
    public (int Left, int Right) Columns { get; }

    /// <summary>(front + depth + back, top + height + bottom, left + width + right, channels).</summary>
    /// <exception cref="ShapeMismatchException">The input is not (depth, height, width, channels), or the output would not fit 32-bit indexing.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 4) throw ShapeError("(batch, depth, height, width, channels)", inputShape);
        long d = (long)inputShape[0] + Depth.Front + Depth.Back, h = (long)inputShape[1] + Rows.Top + Rows.Bottom,
            w = (long)inputShape[2] + Columns.Left + Columns.Right;
        if ((double)d * h * w * inputShape[3] > int.MaxValue)
            throw new ShapeMismatchException(
                $"Layer '{Name}' (ZeroPadding3D) cannot pad inputs {inputShape.ToBatchString()}: the padded volume has more than 2^31 − 1 elements per sample.");
        return new Shape((int)d, (int)h, (int)w, inputShape[3]);
    }

    /// <summary>Checks the input shape once (<see cref="ComputeOutputShape"/>); the layer has no weights.</summary>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (x.Rank != 5) throw ShapeError("(batch, depth, height, width, channels)", x.Shape.WithoutBatch());
        var o = ComputeOutputShape(x.Shape.WithoutBatch());
        int n = x.Shape[0], d = x.Shape[1];
        try
        {
            // Rows and columns: ZeroPadding2D's kernel over the (n·d) planes; depth: the same over (n, d, 1, plane) views.
            var planes = Ops.ZeroPad2D(Ops.Reshape(x, n * d, x.Shape[2], x.Shape[3], x.Shape[4]), Rows, Columns);
            var deep = Ops.ZeroPad2D(Ops.Reshape(planes, n, d, 1, o[1] * o[2] * o[3]), Depth, (0, 0));
            return Ops.Reshape(deep, n, o[0], o[1], o[2], o[3]);
        }
        catch (ArgumentException e)
        {
            throw ConvolutionConfig.Unfit(this, x, e);
        }
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["padding"] = VolumeConfig.Margins(Depth, Rows, Columns);
        config["data_format"] = "channels_last";
        return config;
    }

    internal static ZeroPadding3D FromConfig(LayerConfig c)
    {
        ConvolutionConfig.ChannelsLast(c);
        var (depth, rows, columns) = VolumeConfig.Margins3D(c, "padding", 1);
        return new(depth, rows, columns, c.Name, c.Shape("input_shape"));
    }
}
