using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Nn.Regularization;

/// <summary>Keras's regularizers: defaults, the penalties against hand sums, their gradients, their configs.</summary>
public class RegularizerTests
{
    private static readonly float[] s_w = [0.5f, -1.5f, 0f, 2f, -0.25f, 3f];

    private static Tensor W() => Tensor.FromArray(s_w, 2, 3);

    [Fact]
    public void DefaultsAreKeras()
    {
        Assert.Equal(0.01f, new L1().Factor);
        Assert.Equal(0.01f, new L2().Factor);
        var both = new L1L2();
        Assert.Equal((0f, 0f), (both.L1, both.L2));
    }

    [Fact]
    public void PenaltiesEqualHandSums()
    {
        double abs = 0.5 + 1.5 + 0 + 2 + 0.25 + 3;                  // 7.25
        double squares = 0.25 + 2.25 + 0 + 4 + 0.0625 + 9;          // 15.5625
        Assert.Equal(0.01 * abs, new L1().Penalty(W()).Item(), 6);
        Assert.Equal(0.01 * squares, new L2().Penalty(W()).Item(), 6); // l2·Σw², no ½
        Assert.Equal(0.3 * abs, new L1(0.3f).Penalty(W()).Item(), 5);
        Assert.Equal(0.2 * abs + 0.05 * squares, new L1L2(0.2f, 0.05f).Penalty(W()).Item(), 5);
        Assert.Equal(0f, new L1L2().Penalty(W()).Item());
        Assert.Equal(Shape.Scalar, new L2().Penalty(W()).Shape);
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        // Away from 0, where |x| is not differentiable.
        var x = Tensor.FromArray([0.7f, -0.4f, 1.3f, -2.1f, 0.35f, -0.9f], 3, 2);
        GradCheck.Check(t => new L1(0.3f).Penalty(t[0]), [x], epsilon: 1e-2f);
        GradCheck.Check(t => new L2(0.7f).Penalty(t[0]), [x], epsilon: 1e-2f);
        GradCheck.Check(t => new L1L2(0.2f, 0.4f).Penalty(t[0]), [x], epsilon: 1e-2f);
    }

    [Fact]
    public void GradientIsL1SignPlusTwiceL2TimesW()
    {
        var x = W();
        x.RequiresGrad = true;
        new L1L2(0.1f, 0.5f).Penalty(x).Backward();
        var g = x.Grad!.ToArray();
        for (int i = 0; i < s_w.Length; i++)
            Assert.Equal(0.1f * MathF.Sign(s_w[i]) + 2 * 0.5f * s_w[i], g[i], 6); // sign(0) = 0
    }

    [Theory]
    [InlineData(-0.01f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void BadFactorsAreRefused(float factor)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new L1(factor));
        Assert.Throws<ArgumentOutOfRangeException>(() => new L2(factor));
        Assert.Throws<ArgumentOutOfRangeException>(() => new L1L2(0f, factor));
    }

    [Fact]
    public void ConfigIsKerasAndRoundTrips()
    {
        var json = new L2(0.05f).ToJson();
        Assert.Equal("L2", (string?)json["class_name"]);
        Assert.Equal(0.05f, (float)json["config"]!["l2"]!);
        foreach (var r in new Regularizer[] { new L1(0.2f), new L2(0.03f), new L1L2(0.1f, 0.4f) })
        {
            var back = RegularizerRegistry.FromJson(JsonNode.Parse(r.ToJson().ToJsonString())!);
            Assert.Equal(r.GetType(), back.GetType());
            Assert.Equal(r.GetConfig().ToJsonString(), back.GetConfig().ToJsonString());
        }
    }

    [Fact]
    public void KerasFormsAreRead()
    {
        var l2 = Assert.IsType<L2>(RegularizerRegistry.FromJson(JsonNode.Parse("""{"class_name": "L2", "config": {"l2": 0.001}}""")!));
        Assert.Equal(0.001f, l2.Factor);
        Assert.Equal(0.01f, Assert.IsType<L2>(RegularizerRegistry.FromJson(JsonValue.Create("l2")!)).Factor);
        var both = Assert.IsType<L1L2>(RegularizerRegistry.FromJson(JsonNode.Parse("""{"module": "keras.regularizers", "class_name": "L1L2", "config": {"l1": 0.5}, "registered_name": null}""")!));
        Assert.Equal((0.5f, 0f), (both.L1, both.L2));
    }

    [Theory]
    [InlineData("""{"class_name": "L2", "config": {"l2": -1}}""", "'l2'")]
    [InlineData("""{"class_name": "L1", "config": {"l1": "NaN"}}""", "'l1'")]
    [InlineData("""{"class_name": "Orthogonal", "config": {}}""", "Unknown regularizer 'Orthogonal'")]
    [InlineData("""{"config": {"l2": 0.1}}""", "'class_name' is missing")]
    [InlineData("""{"class_name": "L2", "config": [1]}""", "'config' must be an object")]
    [InlineData("""17""", "must be a name or an object")]
    public void HostileConfigsGiveClearErrors(string json, string expected)
    {
        var e = Assert.Throws<DeepSharpException>(() => RegularizerRegistry.FromJson(JsonNode.Parse(json)!));
        Assert.Contains(expected, e.Message);
    }
}
