using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// Keras's initializers: every built-in name's statistics on a large weight (mean, variance against
/// Keras's formulas, the bounds of the uniform and truncated ones), Keras 3's serialized form read in
/// layer configs, arguments kept through a config round trip, and hostile values naming the layer.
/// </summary>
public class InitializerConfigTests
{
    // A (200, 300) kernel: fan_in 200, fan_out 300, 60,000 values.
    private const int In = 200, Out = 300;

    private static float[] Draw(Initializer initializer)
    {
        var values = new float[In * Out];
        initializer.Fill(values, new Shape(In, Out), new RandomGenerator(17));
        return values;
    }

    private static (double Mean, double Variance, double Min, double Max) Stats(float[] v)
    {
        double mean = v.Average(x => (double)x);
        double variance = v.Sum(x => (x - mean) * (x - mean)) / v.Length;
        return (mean, variance, v.Min(), v.Max());
    }

    /// <summary>Name, Keras's variance for a (200, 300) kernel, and the bound on |w| (∞ for none).</summary>
    public static TheoryData<string, double, double> Named => new()
    {
        { "glorot_uniform", 2.0 / (In + Out), Math.Sqrt(6.0 / (In + Out)) },
        { "glorot_normal", 2.0 / (In + Out), 2 * Math.Sqrt(2.0 / (In + Out)) / 0.87962566103423978 },
        { "he_uniform", 2.0 / In, Math.Sqrt(6.0 / In) },
        { "he_normal", 2.0 / In, 2 * Math.Sqrt(2.0 / In) / 0.87962566103423978 },
        { "lecun_uniform", 1.0 / In, Math.Sqrt(3.0 / In) },
        { "lecun_normal", 1.0 / In, 2 * Math.Sqrt(1.0 / In) / 0.87962566103423978 },
        { "random_uniform", 0.1 * 0.1 / 12, 0.05 },
        { "uniform", 0.1 * 0.1 / 12, 0.05 },
        { "random_normal", 0.05 * 0.05, double.PositiveInfinity },
        { "truncated_normal", 0.05 * 0.05 * 0.7737413, 0.1 },
        { "variance_scaling", 1.0 / In, 2 * Math.Sqrt(1.0 / In) / 0.87962566103423978 },
        { "orthogonal", 1.0 / Out, 1.0 },
    };

    [Theory]
    [MemberData(nameof(Named))]
    public void EveryNameDrawsKerasStatistics(string name, double variance, double bound)
    {
        var initializer = Initializer.FromName(name);
        var (mean, var, min, max) = Stats(Draw(initializer));
        Assert.InRange(mean, -0.01 * Math.Sqrt(variance) - 1e-4, 0.01 * Math.Sqrt(variance) + 1e-4);
        Assert.InRange(var / variance, 0.97, 1.03);
        Assert.True(Math.Max(-min, max) <= bound * (1 + 1e-5), $"{name}: |w| reaches {Math.Max(-min, max)}, bound {bound}");
        // The same name, as a Keras class name and in Keras 3's serialized form, is the same initializer.
        string className = string.Concat(name.Split('_').Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
        if (name == "uniform") className = "RandomUniform";
        var fromDict = Initializer.FromJson(JsonNode.Parse($$"""{"module": "keras.initializers", "class_name": "{{className}}", "config": {"seed": null}, "registered_name": null}""")!);
        Assert.Equal(Draw(initializer), Draw(fromDict));
    }

    [Fact]
    public void ConstantsZerosOnes()
    {
        Assert.All(Draw(Initializer.FromName("zeros")), v => Assert.Equal(0f, v));
        Assert.All(Draw(Initializer.FromName("ones")), v => Assert.Equal(1f, v));
        Assert.All(Draw(Initializer.FromJson(JsonNode.Parse("""{"class_name": "Constant", "config": {"value": 0.25}}""")!)), v => Assert.Equal(0.25f, v));
    }

    [Fact]
    public void ArgumentsAreReadAndKeptThroughALayerConfig()
    {
        var dense = new Dense(4, kernelInitializer: Initializer.RandomNormal(1f, 0.1f), biasInitializer: Initializer.Constant(0.5f));
        var clone = (Dense)LayerRegistry.Create("Dense", (JsonObject)JsonNode.Parse(dense.GetConfig().ToJsonString())!);
        Assert.Equal(dense.GetConfig().ToJsonString(), clone.GetConfig().ToJsonString());
        var (mean, var, _, _) = Stats(Draw(clone.KernelInitializer));
        Assert.InRange(mean, 0.99, 1.01);
        Assert.InRange(var, 0.0097, 0.0103);
        Assert.Equal("glorot_uniform", new Dense(2).GetConfig()["kernel_initializer"]!.GetValue<string>()); // named ones stay names

        var scaled = Initializer.FromJson(JsonNode.Parse("""{"class_name": "VarianceScaling", "config": {"scale": 2.0, "mode": "fan_out", "distribution": "uniform", "seed": 5}}""")!);
        var (_, v2, _, max) = Stats(Draw(scaled));
        Assert.InRange(v2 / (2.0 / Out), 0.97, 1.03);
        Assert.True(max <= Math.Sqrt(6.0 / Out));
        Assert.Equal("VarianceScaling", scaled.ToConfig()["class_name"]!.GetValue<string>());
    }

    [Fact]
    public void KerasThreeLayerConfigsWithTheDictFormLoad()
    {
        var config = JsonNode.Parse("""
            {"name": "d", "units": 3, "activation": "relu", "use_bias": true,
             "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null},
             "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}}
            """)!.AsObject();
        var dense = (Dense)LayerRegistry.Create("Dense", config);
        Assert.Same(Initializer.GlorotUniform, dense.KernelInitializer);
        Assert.Same(Initializer.Zeros, dense.BiasInitializer);
    }

    [Theory]
    [InlineData("""{"class_name": "Evil", "config": {}}""", "Unknown initializer class 'Evil'")]
    [InlineData("""{"config": {}}""", "class_name")]
    [InlineData("""{"class_name": "RandomNormal", "config": {"stddev": -1}}""", "stddev")]
    [InlineData("""{"class_name": "RandomNormal", "config": {"mean": "x"}}""", "mean")]
    [InlineData("""{"class_name": "RandomUniform", "config": {"minval": 1, "maxval": 0}}""", "maxval")]
    [InlineData("""{"class_name": "VarianceScaling", "config": {"mode": "fan_sideways"}}""", "fan_sideways")]
    [InlineData("""{"class_name": "VarianceScaling", "config": {"scale": 0}}""", "scale")]
    [InlineData("""{"class_name": "GlorotUniform", "config": {"seed": "abc"}}""", "seed")]
    [InlineData("""{"class_name": "GlorotUniform", "config": [1]}""", "config")]
    [InlineData("""{"class_name": "Orthogonal", "config": {"gain": 2}}""", "gain")]
    [InlineData("""[1, 2]""", "kernel_initializer")]
    [InlineData("""{"class_name": "Constant", "config": {"value": 1e39}}""", "value")]
    public void HostileValuesGiveAClearErrorNamingTheLayer(string json, string expected)
    {
        var config = new Dense(2, name: "head").GetConfig();
        config["kernel_initializer"] = JsonNode.Parse(json);
        var e = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("Dense", config));
        Assert.Contains("head", e.Message);
        Assert.Contains("kernel_initializer", e.Message);
        Assert.Contains(expected, e.Message);
    }
}
