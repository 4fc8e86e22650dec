using System.Text.Json.Nodes;
using DeepSharp.Nn.Constraints;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Nn.Regularization;

/// <summary>Keras's constraints: each projection against a hand computation, axes, configs.</summary>
public class ConstraintTests
{
    private const double Eps = 1e-7;

    // (3, 2): column 0 = (3, 0, 4), norm 5; column 1 = (0.6, 0, 0.8), norm 1.
    private static Tensor W() => Tensor.FromArray([3f, 0.6f, 0f, 0f, 4f, 0.8f], 3, 2);

    [Fact]
    public void MaxNormScalesOnlyColumnsAboveTheLimit()
    {
        var w = W();
        new MaxNorm(2f).Apply(w); // Keras's default axis 0: one norm per column (a Dense unit's incoming weights)
        double s0 = 2 / (Eps + 5), s1 = 1 / (Eps + 1);
        Expect([3 * s0, 0.6 * s1, 0, 0, 4 * s0, 0.8 * s1], w);
    }

    [Fact]
    public void MaxNormAlongTheLastAxisUsesRows()
    {
        var w = W();
        new MaxNorm(1f, [1]).Apply(w);
        double[] norms = [Math.Sqrt(9 + 0.36), 0, Math.Sqrt(16 + 0.64)];
        var expected = new double[6];
        double[] raw = [3, 0.6, 0, 0, 4, 0.8];
        for (int i = 0; i < 6; i++)
        {
            double n = norms[i / 2];
            expected[i] = raw[i] * (Math.Min(n, 1) / (Eps + n));
        }
        Expect(expected, w);
    }

    [Fact]
    public void MaxNormOverSeveralAxesOfAConvKernel()
    {
        // (2, 2, 1, 2) kernel: axes [0, 1, 2] give one norm per filter.
        var w = Tensor.FromArray([1f, 2f, 1f, 2f, 1f, 2f, 1f, 2f], 2, 2, 1, 2);
        new MaxNorm(1f, [0, 1, 2]).Apply(w);
        double s0 = 1 / (Eps + 2), s1 = 1 / (Eps + 4);
        Expect([s0, 2 * s1, s0, 2 * s1, s0, 2 * s1, s0, 2 * s1], w);
    }

    [Fact]
    public void UnitNormDividesByTheNorm()
    {
        var w = W();
        new UnitNorm().Apply(w);
        Expect([3 / (Eps + 5), 0.6 / (Eps + 1), 0, 0, 4 / (Eps + 5), 0.8 / (Eps + 1)], w);
    }

    [Fact]
    public void NonNegZeroesNegatives()
    {
        var w = Tensor.FromArray([-1f, 2f, -0.001f, 0f, 5f], 5);
        new NonNeg().Apply(w);
        Assert.Equal([0f, 2f, 0f, 0f, 5f], w.ToArray());
    }

    [Fact]
    public void MinMaxNormMovesNormsIntoTheRange()
    {
        var w = W();
        new MinMaxNorm(2f, 3f, 0.5f).Apply(w);
        // column 0: n = 5 → desired 0.5·3 + 0.5·5 = 4; column 1: n = 1 → 0.5·2 + 0.5·1 = 1.5.
        double s0 = 4 / (Eps + 5), s1 = 1.5 / (Eps + 1);
        Expect([3 * s0, 0.6 * s1, 0, 0, 4 * s0, 0.8 * s1], w);
    }

    [Fact]
    public void AnAxisOutsideTheWeightIsRefused()
    {
        var e = Assert.Throws<DeepSharpException>(() => new MaxNorm(2f, [2]).Check(new Shape(3, 2), "dense/kernel"));
        Assert.Contains("dense/kernel", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MaxNorm(-1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MinMaxNorm(2f, 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MinMaxNorm(rate: 1.5f));
    }

    [Fact]
    public void ConfigsAreKerasAndRoundTrip()
    {
        var json = new MaxNorm(3f).ToJson();
        Assert.Equal("MaxNorm", (string?)json["class_name"]);
        Assert.Equal("""{"max_value":3,"axis":0}""", json["config"]!.ToJsonString());
        Assert.Equal("""{"axis":[0,1,2]}""", new UnitNorm([0, 1, 2]).GetConfig().ToJsonString());
        foreach (var c in new Constraint[] { new MaxNorm(1.5f, [0, 1]), new NonNeg(), new UnitNorm([-1]), new MinMaxNorm(0.5f, 2f, 0.25f) })
        {
            var back = ConstraintRegistry.FromJson(JsonNode.Parse(c.ToJson().ToJsonString())!);
            Assert.Equal(c.GetType(), back.GetType());
            Assert.Equal(c.GetConfig().ToJsonString(), back.GetConfig().ToJsonString());
        }
        Assert.IsType<NonNeg>(ConstraintRegistry.FromJson(JsonValue.Create("non_neg")!));
        Assert.Equal(2f, Assert.IsType<MaxNorm>(ConstraintRegistry.FromJson(JsonValue.Create("max_norm")!)).MaxValue);
    }

    [Theory]
    [InlineData("""{"class_name": "MaxNorm", "config": {"max_value": -2}}""", "'max_value'")]
    [InlineData("""{"class_name": "MaxNorm", "config": {"axis": "rows"}}""", "'axis'")]
    [InlineData("""{"class_name": "MinMaxNorm", "config": {"rate": 2}}""", "'rate'")]
    [InlineData("""{"class_name": "Clip", "config": {}}""", "Unknown constraint 'Clip'")]
    public void HostileConfigsGiveClearErrors(string json, string expected)
    {
        var e = Assert.Throws<DeepSharpException>(() => ConstraintRegistry.FromJson(JsonNode.Parse(json)!));
        Assert.Contains(expected, e.Message);
    }

    private static void Expect(double[] expected, Tensor actual)
    {
        var a = actual.ToArray();
        Assert.Equal(expected.Length, a.Length);
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(expected[i] - a[i]) <= 1e-6 * Math.Max(1, Math.Abs(expected[i])), $"element {i}: expected {expected[i]}, got {a[i]}");
    }
}
