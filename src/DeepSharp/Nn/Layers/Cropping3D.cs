using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Removes planes, rows and columns from the edges of channels-last volumes (Keras's Cropping3D):
/// (d, h, w, c) → (d − front − back, h − top − bottom, w − left − right, c). No weights.
/// </summary>
public sealed class Cropping3D : Layer
{
    /// <param name="depth">Planes removed at the front and back of the depth.</param>
    /// <param name="rows">Rows removed at the top and bottom.</param>
    /// <param name="columns">Columns removed at the left and right.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException">A margin is negative.</exception>
    public Cropping3D((int Front, int Back) depth, (int Top, int Bottom) rows, (int Left, int Right) columns, string? name = null, int[]? inputShape = null)
        : base(name, inputShape)
    {
        Depth = ConvolutionConfig.NonNegative(depth, "Cropping3D", nameof(depth));
        Rows = ConvolutionConfig.NonNegative(rows, "Cropping3D", nameof(rows));
        Columns = ConvolutionConfig.NonNegative(columns, "Cropping3D", nameof(columns));
    }

    /// <summary>Symmetric cropping, Keras's <c>cropping=(d, h, w)</c>.</summary>
    public Cropping3D((int D, int H, int W) cropping, string? name = null, int[]? inputShape = null)
        : this((cropping.D, cropping.D), (cropping.H, cropping.H), (cropping.W, cropping.W), name, inputShape)
    {
    }

    /// <summary>The same margin on all six sides, Keras's <c>cropping=n</c> (default 1, as Keras's ((1, 1), (1, 1), (1, 1))).</summary>
    public Cropping3D(int cropping = 1, string? name = null, int[]? inputShape = null)
        : this((cropping, cropping), (cropping, cropping), (cropping, cropping), name, inputShape)
    {
    }

    /// <inheritdoc/>
    public override string TypeName => "Cropping3D";
    /// <inheritdoc/>
    public override string DefaultNamePrefix => "cropping3d";
    /// <summary>Planes removed at the front and back.</summary>
    public (int Front, int Back) Depth { get; }
    /// <summary>Rows removed at the top and bottom.</summary>
    public (int Top, int Bottom) Rows { get; }
    /// <summary>Columns removed at the left and right.</summary>
    public (int Left, int Right) Columns { get; }

    /// <summary>(depth − front − back, height − top − bottom, width − left − right, channels).</summary>
    /// <exception cref="ShapeMismatchException">The input is not (depth, height, width, channels), or the cropping leaves nothing.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 4) throw ShapeError("(batch, depth, height, width, channels)", inputShape);
        long d = (long)inputShape[0] - Depth.Front - Depth.Back, h = (long)inputShape[1] - Rows.Top - Rows.Bottom,
            w = (long)inputShape[2] - Columns.Left - Columns.Right;
        if (d < 1 || h < 1 || w < 1)
            throw new ShapeMismatchException(
                $"Layer '{Name}' (Cropping3D): cropping depth {Depth}, rows {Rows} and columns {Columns} leave nothing of inputs {inputShape.ToBatchString()}.");
        return new Shape((int)d, (int)h, (int)w, inputShape[3]);
    }

    /// <summary>Checks the input shape once (<see cref="ComputeOutputShape"/>); the layer has no weights.</summary>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (x.Rank != 5) throw ShapeError("(batch, depth, height, width, channels)", x.Shape.WithoutBatch());
        var o = ComputeOutputShape(x.Shape.WithoutBatch());
        var y = Ops.Slice(x, 1, Depth.Front, o[0]);
        y = Ops.Slice(y, 2, Rows.Top, o[1]);
        return Ops.Slice(y, 3, Columns.Left, o[2]);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["cropping"] = VolumeConfig.Margins(Depth, Rows, Columns);
        config["data_format"] = "channels_last";
        return config;
    }

    internal static Cropping3D FromConfig(LayerConfig c)
    {
        ConvolutionConfig.ChannelsLast(c);
        var (depth, rows, columns) = VolumeConfig.Margins3D(c, "cropping", 1);
        return new(depth, rows, columns, c.Name, c.Shape("input_shape"));
    }
}
