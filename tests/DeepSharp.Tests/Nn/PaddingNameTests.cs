using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// Keras's <c>padding="same"</c> as a string on every layer that takes padding (besides <see cref="Padding.Same"/>):
/// case-insensitive names, unknown names and "causal" outside Conv1D refused with the layer's name, equality and ToString.
/// </summary>
public class PaddingNameTests
{
    public static TheoryData<string, Func<Padding, Layer>> Layers() => new()
    {
        { "Conv1D", p => new Conv1D(2, 3, padding: p) },
        { "Conv2D", p => new Conv2D(2, 3, padding: p) },
        { "Conv3D", p => new Conv3D(2, 3, padding: p) },
        { "Conv1DTranspose", p => new Conv1DTranspose(2, 3, padding: p) },
        { "Conv2DTranspose", p => new Conv2DTranspose(2, 3, padding: p) },
        { "Conv3DTranspose", p => new Conv3DTranspose(2, 3, padding: p) },
        { "DepthwiseConv1D", p => new DepthwiseConv1D(3, padding: p) },
        { "DepthwiseConv2D", p => new DepthwiseConv2D(3, padding: p) },
        { "SeparableConv1D", p => new SeparableConv1D(2, 3, padding: p) },
        { "SeparableConv2D", p => new SeparableConv2D(2, 3, padding: p) },
        { "ConvLSTM1D", p => new ConvLstm1D(2, 3, padding: p) },
        { "ConvLSTM2D", p => new ConvLstm2D(2, 3, padding: p) },
        { "ConvLSTM3D", p => new ConvLstm3D(2, 3, padding: p) },
        { "MaxPooling1D", p => new MaxPooling1D(padding: p) },
        { "MaxPooling2D", p => new MaxPooling2D(padding: p) },
        { "MaxPooling3D", p => new MaxPooling3D(padding: p) },
        { "AveragePooling1D", p => new AveragePooling1D(padding: p) },
        { "AveragePooling2D", p => new AveragePooling2D(padding: p) },
        { "AveragePooling3D", p => new AveragePooling3D(padding: p) },
    };

    [Fact]
    public void KerasStringsCompileAndEqualTheStaticMembers()
    {
        var conv = new Conv2D(32, 3, padding: "same");
        Assert.Equal(Padding.Same, conv.Padding);
        Assert.Equal(Padding.Valid, new Conv2D(32, 3, padding: "VALID").Padding);
        Assert.Equal(Padding.Causal, new Conv1D(4, 2, padding: "Causal").Padding);
        Assert.Equal(Padding.Valid, new MaxPooling2D(2).Padding); // the default
        Assert.Equal(Padding.Valid, default);
        Assert.True((Padding)"same" == Padding.Same);
        Assert.True(Padding.Same != Padding.Valid);
        Assert.Equal(["valid", "same", "causal"], new[] { Padding.Valid, Padding.Same, Padding.Causal }.Select(p => p.ToString()));
        Assert.Equal(Padding.Same.GetHashCode(), ((Padding)"SAME").GetHashCode());
        Assert.Equal("same", conv.GetConfig()["padding"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void EveryLayerTakesTheNamesAndRefusesOthers(string typeName, Func<Padding, Layer> create)
    {
        var same = create("same");
        Assert.Equal(typeName, same.TypeName);
        Assert.Equal("same", same.GetConfig()["padding"]!.GetValue<string>());
        Assert.Equal("valid", create("valid").GetConfig()["padding"]!.GetValue<string>());

        var unknown = Assert.Throws<ArgumentException>(() => create("sme"));
        string expected = typeName == "Conv1D" ? "'valid', 'same' or 'causal'" : "'valid' or 'same'";
        Assert.StartsWith($"Unknown padding 'sme' for {typeName}; expected {expected}.", unknown.Message);
        if (typeName == "Conv1D") return;
        var causal = Assert.Throws<ArgumentException>(() => create(Padding.Causal));
        Assert.StartsWith($"{typeName} does not take padding 'causal'", causal.Message);
    }

    [Fact]
    public void ConfigsNamingCausalOutsideConv1DAreRefusedWithTheLayer()
    {
        var config = new Conv2D(2, 3, padding: "same").GetConfig();
        config["padding"] = "causal";
        var e = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("Conv2D", config));
        Assert.Contains("Conv2D does not take padding 'causal'", e.Message);
        var pool = new JsonObject { ["pool_size"] = new JsonArray(2), ["padding"] = "causal" };
        Assert.Contains("MaxPooling1D does not take padding 'causal'", Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("MaxPooling1D", pool)).Message);
        config["padding"] = "sme";
        Assert.Contains("Unknown padding 'sme'", Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("Conv2D", config)).Message);
    }

    [Fact]
    public void ParseRefusesUnknownNamesAtOnce()
    {
        Assert.True(Padding.TryParse("Same", out var same) && same == Padding.Same);
        Assert.False(Padding.TryParse("full", out _));
        Assert.Contains("expected 'valid', 'same' or 'causal'", Assert.Throws<DeepSharpException>(() => Padding.Parse("full")).Message);
        Assert.Throws<ArgumentNullException>(() => { Padding p = (string)null!; });
    }
}
