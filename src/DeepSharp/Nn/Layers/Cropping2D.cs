using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Removes rows and columns from the edges of channels-last images (Keras's Cropping2D):
/// (height, width, channels) → (height − top − bottom, width − left − right, channels). No weights.
/// </summary>
public sealed class Cropping2D : Layer
{
    /// <param name="rows">Rows removed at the top and bottom.</param>
    /// <param name="columns">Columns removed at the left and right.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException">A margin is negative.</exception>
    public Cropping2D((int Top, int Bottom) rows, (int Left, int Right) columns, string? name = null, int[]? inputShape = null)
        : base(name, inputShape)
    {
        Rows = ConvolutionConfig.NonNegative(rows, "Cropping2D", nameof(rows));
        Columns = ConvolutionConfig.NonNegative(columns, "Cropping2D", nameof(columns));
    }

    /// <summary>Symmetric cropping, Keras's <c>cropping=(h, w)</c>: h rows at the top and bottom, w columns at each side.</summary>
    public Cropping2D((int H, int W) cropping, string? name = null, int[]? inputShape = null)
        : this((cropping.H, cropping.H), (cropping.W, cropping.W), name, inputShape)
    {
    }

    /// <summary>The same margin on all four sides, Keras's <c>cropping=n</c> (default 0: nothing removed).</summary>
    public Cropping2D(int cropping = 0, string? name = null, int[]? inputShape = null)
        : this((cropping, cropping), (cropping, cropping), name, inputShape)
    {
    }

    /// <inheritdoc/>
    public override string TypeName => "Cropping2D";
    /// <inheritdoc/>
    public override string DefaultNamePrefix => "cropping2d";
    /// <summary>Rows removed at the top and bottom.</summary>
    public (int Top, int Bottom) Rows { get; }
    /// <summary>Columns removed at the left and right.</summary>
    public (int Left, int Right) Columns { get; }

    /// <summary>(height − top − bottom, width − left − right, channels).</summary>
    /// <exception cref="ShapeMismatchException">The input is not (height, width, channels), or the cropping leaves no row or column.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 3) throw ShapeError("(batch, height, width, channels)", inputShape);
        long h = (long)inputShape[0] - Rows.Top - Rows.Bottom, w = (long)inputShape[1] - Columns.Left - Columns.Right;
        if (h < 1 || w < 1)
            throw new ShapeMismatchException($"Layer '{Name}' (Cropping2D): cropping rows {Rows} and columns {Columns} leave nothing of inputs {inputShape.ToBatchString()}.");
        return new Shape((int)h, (int)w, inputShape[2]);
    }

    /// <summary>Checks the input shape once (<see cref="ComputeOutputShape"/>); the layer has no weights.</summary>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (x.Rank != 4) throw ShapeError("(batch, height, width, channels)", x.Shape.WithoutBatch());
        try
        {
            return Ops.Crop2D(x, Rows, Columns);
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
        config["cropping"] = ConvolutionConfig.Margins(Rows, Columns);
        config["data_format"] = "channels_last";
        return config;
    }

    internal static Cropping2D FromConfig(LayerConfig c)
    {
        ConvolutionConfig.ChannelsLast(c);
        var (rows, columns) = ConvolutionConfig.Margins2D(c, "cropping", 0);
        return new(rows, columns, c.Name, c.Shape("input_shape"));
    }
}
