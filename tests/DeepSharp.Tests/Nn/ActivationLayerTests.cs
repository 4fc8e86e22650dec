using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Nn;

/// <summary>Keras's activation layers with parameters: LeakyReLU, ELU, ReLU, PReLU, Softmax(axis).</summary>
public class ActivationLayerTests
{
    [Fact] public void LeakyRelu() => LayerHarness.Run(() => new LeakyRelu(0.1f), [2, 5], [2, 5], 0);
    [Fact] public void Elu() => LayerHarness.Run(() => new Elu(0.7f), [6], [6], 0);
    [Fact] public void Relu() => LayerHarness.Run(() => new Relu(), [6], [6], 0);
    [Fact] public void ReluWithEveryParameter() => LayerHarness.Run(() => new Relu(maxValue: 0.8f, negativeSlope: 0.2f, threshold: -0.3f), [3, 4], [3, 4], 0);
    [Fact] public void PRelu() => LayerHarness.Run(() => new PRelu(), [3, 4], [3, 4], 12);
    [Fact] public void PReluSharedOverImageAxes() => LayerHarness.Run(() => new PRelu(Initializer.Uniform, sharedAxes: [1, 2]), [3, 2, 4], [3, 2, 4], 4, batch: 2);
    [Fact] public void Softmax() => LayerHarness.Run(() => new Softmax(), [2, 5], [2, 5], 0);
    [Fact] public void SoftmaxAlongAMiddleAxis() => LayerHarness.Run(() => new Softmax(axis: 1), [3, 4], [3, 4], 0);

    private static readonly Tensor s_x = Tensor.FromArray([-2f, -0.25f, 0.25f, 1f, 7f], 1, 5);

    private static float[] Apply(Layer layer) => layer.Call(s_x).ToArray();

    [Fact]
    public void ValuesAreKeras()
    {
        // keras.layers.LeakyReLU()(x): the layer's default slope is 0.3.
        Assert.Equal([-0.6f, -0.075f, 0.25f, 1f, 7f], Apply(new LeakyRelu()));
        Assert.Equal(0.3f, new LeakyRelu().NegativeSlope);
        // keras.layers.ELU(alpha=0.5)(x)
        AssertClose([-0.43233237f, -0.11059961f, 0.25f, 1f, 7f], Apply(new Elu(0.5f)));
        // keras.layers.ReLU(max_value=6, negative_slope=0.1, threshold=0.5)(x)
        AssertClose([-0.25f, -0.075f, -0.025f, 1f, 6f], Apply(new Relu(6f, 0.1f, 0.5f)));
        // ReLU(threshold=-0.5): between −0.5 and 0 x passes; with max_value Keras clips it to 0.
        Assert.Equal([0f, -0.25f, 0.25f, 1f, 7f], Apply(new Relu(threshold: -0.5f)));
        Assert.Equal([0f, 0f, 0.25f, 1f, 6f], Apply(new Relu(maxValue: 6f, threshold: -0.5f)));
        // keras.layers.PReLU(alpha_initializer=Constant(0.25)) is 0.25·x below 0; the default zeros make it ReLU.
        Assert.Equal([0f, 0f, 0.25f, 1f, 7f], Apply(new PRelu()));
    }

    [Fact]
    public void SoftmaxNormalisesAlongItsAxis()
    {
        var x = GradCheck.Random(4, [2, 3, 4]);
        var y = new Softmax(axis: 1).Call(x).ToArray();
        for (int b = 0; b < 2; b++)
            for (int c = 0; c < 4; c++)
            {
                float sum = 0f;
                for (int t = 0; t < 3; t++) sum += y[(b * 3 + t) * 4 + c];
                Assert.Equal(1f, sum, 5);
            }
        Assert.Equal(new Softmax().Call(x).ToArray(), new Softmax(axis: 2).Call(x).ToArray());
    }

    [Fact]
    public void PReluLearnsItsSlope()
    {
        var layer = new PRelu(sharedAxes: [1]);
        layer.Build(new Shape(3, 2));
        Assert.Equal(new Shape(1, 2), layer.Alpha.Shape);
        layer.Alpha.Value.Span.Fill(0.25f);
        var y = layer.Call(Tensor.FromArray([-4f, 4f, -2f, 2f, 0f, -1f], 1, 3, 2)).ToArray();
        Assert.Equal([-1f, 4f, -0.5f, 2f, 0f, -0.25f], y);
    }

    [Fact]
    public void DefaultNamesAreKeras()
    {
        Assert.Equal("leaky_re_lu", new LeakyRelu().Name);
        Assert.Equal("re_lu", new Relu().Name);
        Assert.Equal("p_re_lu", new PRelu().Name);
        Assert.Equal("elu", new Elu().Name);
        Assert.Equal("softmax", new Softmax().Name);
    }

    [Fact]
    public void ConfigsUseKerasKeys()
    {
        Assert.Equal("""{"name":"r","max_value":null,"negative_slope":0,"threshold":0}""", new Relu(name: "r").GetConfig().ToJsonString());
        Assert.Equal("""{"name":"p","alpha_initializer":"zeros","shared_axes":[1,2]}""", new PRelu(sharedAxes: [1, 2], name: "p").GetConfig().ToJsonString());
        // A Keras 2 file names LeakyReLU's slope "alpha".
        var legacy = (LeakyRelu)LayerRegistry.Create("LeakyReLU", new JsonObject { ["alpha"] = 0.1 });
        Assert.Equal(0.1f, legacy.NegativeSlope);
        var relu6 = (Relu)LayerRegistry.Create("ReLU", new JsonObject { ["max_value"] = 6 });
        Assert.Equal(6f, relu6.MaxValue);
    }

    [Fact]
    public void BadConfigsAndInputsNameTheLayer()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LeakyRelu(-0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Relu(maxValue: -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Relu(negativeSlope: float.NaN));
        var e = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("ReLU", new JsonObject { ["name"] = "r", ["negative_slope"] = -1 }));
        Assert.Contains("'r'", e.Message);
        Assert.Contains("negative_slope", e.Message);
        var shared = Assert.Throws<ShapeMismatchException>(() => new PRelu(sharedAxes: [3], name: "p").Call(Tensor.Zeros(2, 4, 5)));
        Assert.Contains("'p'", shared.Message);
        Assert.Contains("(None, 4, 5)", shared.Message);
        var batchAxis = Assert.Throws<ShapeMismatchException>(() => new Softmax(axis: 0, name: "s").Call(Tensor.Zeros(2, 3)));
        Assert.Contains("'s'", batchAxis.Message);
        Assert.Contains("batch axis", batchAxis.Message);
        Assert.Throws<ShapeMismatchException>(() => new Softmax(axis: 3).Call(Tensor.Zeros(2, 3)));
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 2e-6, $"at {i}: {actual[i]} vs {expected[i]}");
    }
}
