using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Nn;

/// <summary>Bad arguments, configs and inputs of the convolution variants give errors that name the layer and the shapes.</summary>
public class ConvolutionVariantErrorTests
{
    [Fact]
    public void ConstructorsRefuseBadSizes()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2DTranspose(0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2DTranspose(2, (3, 0)));
        Assert.Throws<ArgumentException>(() => new Conv2DTranspose(2, (3, 3), (2, 2), dilationRate: (2, 2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DepthwiseConv2D(3, depthMultiplier: 0));
        Assert.Throws<ArgumentException>(() => new SeparableConv2D(2, (3, 3), (2, 1), dilationRate: (1, 2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new UpSampling2D((0, 2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ZeroPadding2D(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Cropping2D((0, 0), (-2, 1)));
    }

    [Fact]
    public void WrongInputsNameTheLayerAndShape()
    {
        var depthwise = new DepthwiseConv2D(5, name: "dw");
        var e = Assert.Throws<ShapeMismatchException>(() => depthwise.Call(Tensor.Zeros(1, 4, 4, 2)));
        Assert.Contains("'dw'", e.Message);
        Assert.Contains("(None, 4, 4, 2)", e.Message);

        var crop = new Cropping2D((2, 2), (0, 0), name: "crop");
        e = Assert.Throws<ShapeMismatchException>(() => crop.Call(Tensor.Zeros(1, 4, 3, 1)));
        Assert.Contains("'crop'", e.Message);
        Assert.Contains("(None, 4, 3, 1)", e.Message);

        var up = new UpSampling2D(name: "up");
        e = Assert.Throws<ShapeMismatchException>(() => up.Call(Tensor.Zeros(2, 3, 4)));
        Assert.Contains("'up'", e.Message);

        var transpose = new Conv2DTranspose(2, 3, name: "deconv");
        transpose.Call(Tensor.Zeros(1, 4, 4, 3));
        e = Assert.Throws<ShapeMismatchException>(() => transpose.Call(Tensor.Zeros(1, 4, 4, 2)));
        Assert.Contains("'deconv'", e.Message);

        var crop1 = new Cropping1D((3, 3), name: "crop1");
        e = Assert.Throws<ShapeMismatchException>(() => crop1.Call(Tensor.Zeros(1, 6, 2)));
        Assert.Contains("'crop1'", e.Message);
        Assert.Contains("(None, 6, 2)", e.Message);

        var huge = new Conv2DTranspose(1, 3, strides: 1 << 20, name: "huge");
        e = Assert.Throws<ShapeMismatchException>(() => huge.ComputeOutputShape(new Shape(1 << 12, 2, 1)));
        Assert.Contains("'huge'", e.Message);
        Assert.Contains("2^31", e.Message);
    }

    [Fact]
    public void ConfigsInKerasFormsLoadAndBadOnesAreRefused()
    {
        var pad = (ZeroPadding2D)LayerRegistry.Create("ZeroPadding2D", new JsonObject { ["padding"] = 2 });
        Assert.Equal(((2, 2), (2, 2)), (pad.Rows, pad.Columns));
        pad = (ZeroPadding2D)LayerRegistry.Create("ZeroPadding2D", new JsonObject { ["padding"] = new JsonArray(1, 3) });
        Assert.Equal(((1, 1), (3, 3)), (pad.Rows, pad.Columns));
        var crop = (Cropping2D)LayerRegistry.Create("Cropping2D", JsonNode.Parse("""{"cropping": [[1, 2], [3, 4]], "data_format": "channels_last"}""")!.AsObject());
        Assert.Equal(((1, 2), (3, 4)), (crop.Rows, crop.Columns));
        var up = (UpSampling2D)LayerRegistry.Create("UpSampling2D", JsonNode.Parse("""{"size": 3, "interpolation": "bilinear"}""")!.AsObject());
        Assert.Equal(((3, 3), Interpolation.Bilinear), (up.Size, up.Interpolation));
        var dw = (DepthwiseConv2D)LayerRegistry.Create("DepthwiseConv2D", JsonNode.Parse("""{"kernel_size": [3, 3]}""")!.AsObject());
        Assert.Equal(1, dw.DepthMultiplier);
        Assert.Equal((1, 1), ((Cropping1D)LayerRegistry.Create("Cropping1D", [])).Cropping);          // Keras's default (1, 1)
        Assert.Equal((2, 2), ((ZeroPadding1D)LayerRegistry.Create("ZeroPadding1D", new JsonObject { ["padding"] = 2 })).Padding);
        Assert.Equal(3, ((UpSampling1D)LayerRegistry.Create("UpSampling1D", new JsonObject { ["size"] = new JsonArray(3) })).Size);
        var t1 = (Conv1DTranspose)LayerRegistry.Create("Conv1DTranspose", JsonNode.Parse("""{"filters": 2, "kernel_size": [3], "strides": 2}""")!.AsObject());
        Assert.Equal((3, 2), (t1.KernelSize, t1.Strides));
        var keras2D = (Conv2D)LayerRegistry.Create("Conv2D", JsonNode.Parse("""{"filters": 2, "kernel_size": 3, "data_format": "channels_last"}""")!.AsObject());
        Assert.Equal((3, 3), keras2D.KernelSize);

        foreach (var (type, json, key) in new[]
        {
            ("Conv2DTranspose", """{"name": "t", "filters": 2, "kernel_size": 3, "data_format": "channels_first"}""", "data_format"),
            // Conv1D and Conv2D do not write data_format, but a Keras config saying channels_first must not load as channels-last.
            ("Conv2D", """{"name": "c2", "filters": 2, "kernel_size": 3, "data_format": "channels_first"}""", "data_format"),
            ("Conv1D", """{"name": "c1", "filters": 2, "kernel_size": 3, "data_format": "channels_first"}""", "data_format"),
            ("Conv2DTranspose", """{"name": "t", "filters": 2, "kernel_size": 3, "output_padding": [1, 1]}""", "output_padding"),
            ("UpSampling2D", """{"name": "u", "interpolation": "gaussian"}""", "interpolation"),
            ("ZeroPadding2D", """{"name": "z", "padding": [[1, 2], [3]]}""", "padding"),
            ("ZeroPadding2D", """{"name": "z", "padding": -1}""", "padding"),
            ("Cropping2D", """{"name": "c", "cropping": [1, 2, 3]}""", "cropping"),
            ("DepthwiseConv2D", """{"name": "d", "kernel_size": 3, "depth_multiplier": 0}""", "depth_multiplier"),
            ("SeparableConv2D", """{"name": "s", "kernel_size": 3}""", "filters"),
            ("Conv1DTranspose", """{"name": "t1", "filters": 2, "kernel_size": 3, "output_padding": 1}""", "output_padding"),
            ("Cropping1D", """{"name": "c1", "cropping": [1, 2, 3]}""", "cropping"),
            ("ZeroPadding1D", """{"name": "z1", "padding": [1.5, 2]}""", "padding"),
        })
        {
            var e = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create(type, JsonNode.Parse(json)!.AsObject()));
            Assert.Contains(key, e.Message);
            Assert.Contains($"'{JsonNode.Parse(json)!["name"]}'", e.Message);
        }
    }

    [Fact]
    public void DefaultNamesAreKeras()
    {
        Assert.StartsWith("conv2d_transpose", new Conv2DTranspose(1, 1).Name);
        Assert.StartsWith("depthwise_conv2d", new DepthwiseConv2D(1).Name);
        Assert.StartsWith("separable_conv2d", new SeparableConv2D(1, 1).Name);
        Assert.StartsWith("up_sampling2d", new UpSampling2D().Name);
        Assert.StartsWith("zero_padding2d", new ZeroPadding2D().Name);
        Assert.StartsWith("cropping2d", new Cropping2D().Name);
        Assert.StartsWith("conv1d_transpose", new Conv1DTranspose(1, 1).Name);
        Assert.StartsWith("up_sampling1d", new UpSampling1D().Name);
        Assert.StartsWith("zero_padding1d", new ZeroPadding1D().Name);
        Assert.StartsWith("cropping1d", new Cropping1D().Name);
    }
}
