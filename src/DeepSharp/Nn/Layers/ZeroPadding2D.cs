using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Adds rows and columns of zeros around channels-last images (Keras's ZeroPadding2D):
/// (height, width, channels) → (top + height + bottom, left + width + right, channels). No weights.
/// </summary>
public sealed class ZeroPadding2D : Layer
{
    /// <param name="rows">Rows of zeros added above and below.</param>
    /// <param name="columns">Columns of zeros added left and right.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException">A margin is negative.</exception>
    public ZeroPadding2D((int Top, int Bottom) rows, (int Left, int Right) columns, string? name = null, int[]? inputShape = null)
        : base(name, inputShape)
    {
        Rows = ConvolutionConfig.NonNegative(rows, "ZeroPadding2D", nameof(rows));
        Columns = ConvolutionConfig.NonNegative(columns, "ZeroPadding2D", nameof(columns));
    }

    /// <summary>Symmetric padding, Keras's <c>padding=(h, w)</c>: h rows above and below, w columns left and right.</summary>
    public ZeroPadding2D((int H, int W) padding, string? name = null, int[]? inputShape = null)
        : this((padding.H, padding.H), (padding.W, padding.W), name, inputShape)
    {
    }

    /// <summary>The same margin on all four sides, Keras's <c>padding=1</c> (the default).</summary>
    public ZeroPadding2D(int padding = 1, string? name = null, int[]? inputShape = null)
        : this((padding, padding), (padding, padding), name, inputShape)
    {
    }

    /// <inheritdoc/>
    public override string TypeName => "ZeroPadding2D";
    /// <inheritdoc/>
    public override string DefaultNamePrefix => "zero_padding2d";
    /// <summary>Rows added above and below.</summary>
    public (int Top, int Bottom) Rows { get; }
    /// <summary>Columns added left and right.</summary>
    public (int Left, int Right) Columns { get; }

    /// <summary>(top + height + bottom, left + width + right, channels).</summary>
    /// <exception cref="ShapeMismatchException">The input is not (height, width, channels), or the output would not fit 32-bit indexing.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 3) throw ShapeError("(batch, height, width, channels)", inputShape);
        var g = Geometry(inputShape);
        return new Shape(g.OutH, g.OutW, inputShape[2]);
    }

    private Pad2DGeometry Geometry(Shape inputShape)
    {
        try
        {
            return Pad2DGeometry.Padding(1, inputShape[0], inputShape[1], inputShape[2], Rows.Top, Rows.Bottom, Columns.Left, Columns.Right);
        }
        catch (ArgumentException e)
        {
            throw new ShapeMismatchException($"Layer '{Name}' (ZeroPadding2D) cannot pad inputs {inputShape.ToBatchString()}: {e.Message}");
        }
    }

    /// <summary>Checks the input shape once (<see cref="ComputeOutputShape"/>); the layer has no weights.</summary>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (x.Rank != 4) throw ShapeError("(batch, height, width, channels)", x.Shape.WithoutBatch());
        try
        {
            return Ops.ZeroPad2D(x, Rows, Columns);
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
        config["padding"] = ConvolutionConfig.Margins(Rows, Columns);
        config["data_format"] = "channels_last";
        return config;
    }

    internal static ZeroPadding2D FromConfig(LayerConfig c)
    {
        ConvolutionConfig.ChannelsLast(c);
        var (rows, columns) = ConvolutionConfig.Margins2D(c, "padding", 1);
        return new(rows, columns, c.Name, c.Shape("input_shape"));
    }
}
