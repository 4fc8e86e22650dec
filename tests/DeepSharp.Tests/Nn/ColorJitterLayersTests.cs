using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// RandomHue, RandomSaturation, RandomColorDegeneration and RandomColorJitter: Keras's formulas worked out by hand on
/// known pixels, the identity at their neutral factors and at inference, seeded draws, gradients, configs and bad input.
/// </summary>
public sealed class ColorJitterLayersTests
{
    private static void Near(float[] want, float[] got, float tolerance, string what)
    {
        Assert.Equal(want.Length, got.Length);
        for (int i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(want[i] - got[i]) <= tolerance, $"{what}: element {i} is {got[i]}, want {want[i]}");
    }

    private static bool IsNear(float[] want, float[] got, float tolerance)
    {
        for (int i = 0; i < want.Length; i++) if (Math.Abs(want[i] - got[i]) > tolerance) return false;
        return true;
    }

    [Fact]
    public void HueTurnsRedAndYellowByAThirdOfATurn()
    {
        // Factor (2/3, 2/3): δ = ±(2/3)/2 = ±1/3 of a turn. Red (hue 0) → green or blue; yellow (1/6) → cyan or magenta.
        var x = Tensor.FromArray([255f, 0f, 0f, 255f, 255f, 0f], 1, 1, 2, 3);
        float third = 2f / 3f;
        bool sawForward = false, sawBackward = false;
        for (long seed = 0; seed < 12; seed++)
        {
            var y = new RandomHue((third, third), seed: seed).Call(x, training: true).ToArray();
            bool forward = IsNear([0f, 255f, 0f, 0f, 255f, 255f], y, 1e-2f), backward = IsNear([0f, 0f, 255f, 255f, 0f, 255f], y, 1e-2f);
            Assert.True(forward || backward, $"seed {seed}: [{string.Join(", ", y)}] is neither turn");
            sawForward |= forward;
            sawBackward |= backward;
        }
        Assert.True(sawForward && sawBackward, "the coin never chose one of the two directions in 12 seeds");
        // Value range [0, 1] and a half-step: dark orange (0.6, 0.3, 0) has hue 1/12; a turn of ±1/12 (f = 1/6) makes it red or yellow.
        var orange = Tensor.FromArray([0.6f, 0.3f, 0f], 1, 1, 1, 3);
        var turned = new RandomHue((1f / 6, 1f / 6), valueRange: (0f, 1f), seed: 3).Call(orange, training: true).ToArray();
        Assert.True(IsNear([0.6f, 0f, 0f], turned, 1e-4f) || IsNear([0.6f, 0.6f, 0f], turned, 1e-4f), $"[{string.Join(", ", turned)}]");
    }

    [Fact]
    public void NeutralFactorsAndInferenceKeepTheImage()
    {
        var x = Tensor.RandomUniform(new Shape(3, 4, 5, 3), 0f, 255f, new RandomGenerator(1));
        var input = x.ToArray();
        Near(input, new RandomHue(0f, seed: 1).Call(x, training: true).ToArray(), 0.02f, "hue 0");
        Near(input, new RandomSaturation((0.5f, 0.5f), seed: 1).Call(x, training: true).ToArray(), 0.02f, "saturation ½");
        Assert.Equal(input, new RandomColorDegeneration(0f, seed: 1).Call(x, training: true).ToArray());
        Near(input, new RandomColorJitter(brightnessFactor: (0f, 0f), contrastFactor: (0f, 0f), saturationFactor: (0.5f, 0.5f), hueFactor: (0f, 0f), seed: 2)
            .Call(x, training: true).ToArray(), 0.05f, "jitter with neutral factors");
        Layer[] layers = [new RandomHue(1f, seed: 1), new RandomSaturation(1f, seed: 1), new RandomColorDegeneration(1f, seed: 1),
            new RandomColorJitter((0f, 255f), 0.5f, 0.5f, 1f, 1f, seed: 1)];
        foreach (var layer in layers)
        {
            Assert.Equal(input, layer.Call(x, training: false).ToArray());
            var once = layer.Call(x, training: true);
            Assert.Equal(x.Shape, once.Shape);
            Assert.Equal(DType.Float32, once.DType);
            Assert.NotEqual(input, once.ToArray());
        }
    }

    [Fact]
    public void SaturationScalesTheChromaAroundTheValue()
    {
        // (200, 100, 50): value 200, saturation 0.75, hue 1/18 of a turn. f = 0 → grey at the value; f = 1 → saturation 1.
        var x = Tensor.FromArray([200f, 100f, 50f], 1, 1, 1, 3);
        Near([200f, 200f, 200f], new RandomSaturation((0f, 0f), seed: 1).Call(x, training: true).ToArray(), 1e-3f, "f = 0");
        Near([200f, 200f / 3f, 0f], new RandomSaturation((1f, 1f), seed: 1).Call(x, training: true).ToArray(), 1e-2f, "f = 1");
        // f = 0.4: scale 0.4/0.6 = 2/3, saturation 0.5, chroma 100, minimum 100: (200, 200 − 100·2/3, 100).
        Near([200f, 200f - 200f / 3f, 100f], new RandomSaturation((0.4f, 0.4f), seed: 1).Call(x, training: true).ToArray(), 1e-2f, "f = 0.4");
        var seeded = Tensor.RandomUniform(new Shape(4, 3, 3, 3), 0f, 255f, new RandomGenerator(2));
        Assert.Equal(new RandomSaturation(0.8f, seed: 5).Call(seeded, training: true).ToArray(),
            new RandomSaturation(0.8f, seed: 5).Call(seeded, training: true).ToArray());
    }

    [Fact]
    public void ColorDegenerationBlendsTowardsTheGreyLevel()
    {
        var x = Tensor.FromArray([200f, 100f, 50f], 1, 1, 1, 3);
        float grey = 0.2989f * 200f + 0.5870f * 100f + 0.1140f * 50f; // 124.18
        Near([grey, grey, grey], new RandomColorDegeneration((1f, 1f), seed: 1).Call(x, training: true).ToArray(), 1e-3f, "f = 1");
        Near([(200f + grey) / 2, (100f + grey) / 2, (50f + grey) / 2],
            new RandomColorDegeneration((0.5f, 0.5f), seed: 1).Call(x, training: true).ToArray(), 1e-3f, "f = ½");
    }

    [Fact]
    public void JitterRunsItsStepsInKerasOrder()
    {
        // Brightness alone with a fixed shift of 0.1 of the range: +25.5, clipped at 255.
        var x = Tensor.FromArray([10f, 100f, 240f], 1, 1, 1, 3);
        Near([35.5f, 125.5f, 255f], new RandomColorJitter(brightnessFactor: (0.1f, 0.1f), seed: 4).Call(x, training: true).ToArray(), 1e-3f, "brightness");
        // Brightness then saturation 0 (grey at the value): max(35.5, 125.5, 255) everywhere.
        Near([255f, 255f, 255f], new RandomColorJitter(brightnessFactor: (0.1f, 0.1f), saturationFactor: (0f, 0f), seed: 4).Call(x, training: true).ToArray(),
            1e-3f, "brightness, then saturation");
        var jitter = new RandomColorJitter((0f, 1f), 0.2f, 0.3f, 0.9f, 0.2f, seed: 9);
        Assert.Equal(["brightness", "contrast", "saturation", "hue"], jitter.Sublayers.Select(l => l.Name));
        Assert.Equal((0.3f, 0.3f), ((RandomContrast)jitter.Sublayers[1]).Factor);
        Assert.Equal(11L, ((RandomSaturation)jitter.Sublayers[2]).Seed);
    }

    [Fact]
    public void GradientsPassToTheInput()
    {
        var x = GradCheck.Random(4, 2, 3, 4, 3);
        GradCheck.Check(t => new RandomHue(0.6f, valueRange: (-1f, 1f), seed: 2).Call(t[0], training: true), [x], epsilon: 1e-3f);
        GradCheck.Check(t => new RandomSaturation((0.3f, 0.45f), valueRange: (-1f, 1f), seed: 3).Call(t[0], training: true), [x], epsilon: 1e-3f);
        GradCheck.Check(t => new RandomColorDegeneration(0.8f, valueRange: (-10f, 10f), seed: 4).Call(t[0], training: true), [x], epsilon: 1e-3f);
        GradCheck.Check(t => new RandomColorJitter((-10f, 10f), 0.1f, 0.2f, null, 0.3f, seed: 5).Call(t[0], training: true), [x], epsilon: 1e-3f);
    }

    [Fact]
    public void ConfigsRoundTripWithKerasKeysAndBadOnesAreRefused()
    {
        Layer[] layers = [new RandomHue((0.1f, 0.3f), (0f, 1f), seed: 7), new RandomSaturation(0.7f, seed: 8), new RandomColorDegeneration(0.4f),
            new RandomColorJitter((0f, 1f), (-0.1f, 0.2f), null, (0.2f, 0.8f), (0f, 0.1f), seed: 3)];
        foreach (var layer in layers)
        {
            var config = layer.GetConfig();
            Assert.Equal(config.ToJsonString(), LayerRegistry.Create(layer.TypeName, config).GetConfig().ToJsonString());
        }
        // Keras's own configs: a number f is (0, f) and a pair is sorted; the jitter's contrast number f is (f, f).
        var hue = Assert.IsType<RandomHue>(LayerRegistry.Create("RandomHue", JsonNode.Parse("""{"name":"h","factor":[0.4,0.1],"value_range":[0,1],"seed":null}""")!.AsObject()));
        Assert.Equal((0.1f, 0.4f), hue.Factor);
        Assert.Equal((0f, 0.5f), Assert.IsType<RandomSaturation>(LayerRegistry.Create("RandomSaturation", JsonNode.Parse("""{"name":"s","factor":0.5}""")!.AsObject())).Factor);
        var jitter = Assert.IsType<RandomColorJitter>(LayerRegistry.Create("RandomColorJitter",
            JsonNode.Parse("""{"name":"j","value_range":[0,255],"brightness_factor":0.2,"contrast_factor":0.3,"saturation_factor":null,"hue_factor":0.1,"seed":1}""")!.AsObject()));
        Assert.Equal((-0.2f, 0.2f), jitter.BrightnessFactor);
        Assert.Equal((0.3f, 0.3f), jitter.ContrastFactor);
        Assert.Null(jitter.SaturationFactor);
        Assert.Equal((0f, 0.1f), jitter.HueFactor);

        Assert.Contains("RandomHue", Assert.Throws<ArgumentException>(() => new RandomHue(1.5f)).Message);
        Assert.Throws<ArgumentException>(() => new RandomSaturation((0.6f, 0.2f)));
        Assert.Throws<ArgumentException>(() => new RandomColorDegeneration(-0.1f));
        Assert.Throws<ArgumentException>(() => new RandomHue(0.1f, valueRange: (1f, 0f)));
        Assert.Throws<ArgumentException>(() => new RandomColorJitter(brightnessFactor: (-2f, 0f)));
        var shapeError = Assert.Throws<ShapeMismatchException>(() => new RandomHue(0.1f, name: "hue").Call(Tensor.Zeros(1, 4, 4, 2), training: true)).Message;
        Assert.Contains("'hue'", shapeError);
        Assert.Contains("(1, 4, 4, 2)", shapeError.Replace("(None,", "(1,"));
        Assert.Throws<ShapeMismatchException>(() => new RandomColorJitter(hueFactor: (0f, 0.1f)).Call(Tensor.Zeros(1, 4, 4, 1)));
        foreach (var (type, json) in new[]
        {
            ("RandomHue", """{"name":"h"}"""), ("RandomHue", """{"name":"h","factor":2}"""), ("RandomSaturation", """{"name":"s","factor":[0.1]}"""),
            ("RandomColorDegeneration", """{"name":"d","factor":0.1,"value_range":[2,1]}"""), ("RandomColorJitter", """{"name":"j","contrast_factor":-1}"""),
            ("RandomColorJitter", """{"name":"j","hue_factor":0.1,"seed":"x"}"""),
        })
            Assert.Throws<DeepSharpException>(() => LayerRegistry.Create(type, JsonNode.Parse(json)!.AsObject()));
    }
}
