using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// RandAugment and AugMix: Keras 3's operation lists, outputs equal to the operations they report applied by hand (and
/// AugMix's mix computed by hand), neutral settings, inference, single images, gradients, configs, bad input; nearest
/// sampling of the affine augmentations; and a model holding RandomGaussianBlur, RandomPerspective, Equalization,
/// RandAugment and AugMix that trains, saves, loads and exports to ONNX.
/// </summary>
public sealed class AugmentationPolicyTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A model holding every layer added with RandAugment (also read by OnnxExportTests.EveryRegisteredLayerTypeExports).</summary>
    public static Sequential Pipeline() => new(
        new RandomGaussianBlur(0.5f, 3, 1f, valueRange: (0f, 1f), seed: 1, inputShape: [6, 8, 3]),
        new RandomPerspective(0.5f, 0.3f, seed: 2),
        new Equalization((0f, 1f)),
        new RandAugment((0f, 1f), 2, 0.3f, seed: 3),
        new AugMix((0f, 1f), 2, 2, 0.3f, seed: 4),
        new Conv2D(2, (3, 3), activation: Activation.Relu),
        new Flatten(),
        new Dense(2));

    private static readonly string[] s_smooth =
        ["random_shear", "random_translation", "random_rotation", "random_brightness", "random_color_degeneration", "random_contrast", "random_sharpness", "auto_contrast"];

    [Fact]
    public void OperationListsAreKeras3s()
    {
        Assert.Equal(["random_shear", "random_translation", "random_rotation", "random_brightness", "random_color_degeneration", "random_contrast",
            "random_sharpness", "random_posterization", "solarization", "auto_contrast", "equalization"], RandAugment.Operations);
        Assert.Equal(["random_shear", "random_translation", "random_rotation", "random_posterization", "solarization", "auto_contrast", "equalization",
            "random_brightness", "random_color_degeneration", "random_contrast", "random_sharpness"], new AugMix().Operations);
        Assert.Equal(7, new AugMix(allOps: false).Operations.Count);
        // The sublayers are built from the factor as Keras builds them: posterization keeps up to max(1, ⌊8·upper⌋) bits.
        var rand = new RandAugment(factor: 0.5f, seed: 1);
        Assert.Equal(RandAugment.Operations, rand.Sublayers.Select(l => l.Name));
        Assert.Equal((1, 4), ((RandomPosterization)rand.Sublayers[7]).Factor);
        Assert.Equal((0f, 0.5f), ((RandomShear)rand.Sublayers[0]).XFactor);
        Assert.Equal((0f, 0.5f), ((RandomContrast)rand.Sublayers[5]).Factor);
        Assert.Equal((1, 2), ((RandomPosterization)new AugMix().Sublayers[3]).Factor); // factor 0.3: ⌊2.4⌋ bits
    }

    [Fact]
    public void RandAugmentAppliesTheOperationsItDrew()
    {
        var x = Tensor.RandomUniform(new Shape(3, 5, 6, 3), 0f, 255f, new RandomGenerator(1));
        var seen = new HashSet<string>();
        for (long seed = 0; seed < 6; seed++)
        {
            var layer = new RandAugment(numOps: 3, seed: seed);
            var y = layer.Call(x, training: true).ToArray();
            Assert.Equal(3, layer.LastOperations.Count);
            // The same operations, built and seeded as RandAugment builds them, applied by hand in the reported order.
            var byHand = RandAugment.Operations.Select((op, i) => AugmentationPolicyOps.Create(op, (0f, 0.5f), (0f, 255f), Interpolation.Bilinear, seed + 1 + i)).ToArray();
            var z = x;
            foreach (var op in layer.LastOperations) z = byHand[RandAugment.Operations.ToList().IndexOf(op)].Call(z, training: true);
            Assert.Equal(z.ToArray(), y);
            seen.UnionWith(layer.LastOperations);
            Assert.Equal(y, new RandAugment(numOps: 3, seed: seed).Call(x, training: true).ToArray());
        }
        Assert.True(seen.Count >= 5, $"six calls drew only {string.Join(", ", seen)}");
        Assert.Equal(x.ToArray(), new RandAugment(numOps: 0, seed: 1).Call(x, training: true).ToArray());
        Assert.Equal(x.ToArray(), new RandAugment(seed: 1).Call(x, training: false).ToArray());
        var single = new RandAugment(seed: 2).Call(Tensor.RandomUniform(new Shape(5, 6, 3), 0f, 255f, new RandomGenerator(2)), training: true);
        Assert.Equal(new Shape(5, 6, 3), single.Shape);
    }

    [Fact]
    public void AugMixMixesItsChainsWithTheDrawnWeights()
    {
        var x = Tensor.RandomUniform(new Shape(2, 5, 4, 3), 0f, 1f, new RandomGenerator(1));
        for (long seed = 0; seed < 4; seed++)
        {
            var layer = new AugMix((0f, 1f), 3, 3, 0.4f, alpha: 0.7f, seed: seed);
            var y = layer.Call(x, training: true).ToArray();
            var (weights, blend, chains) = layer.LastDraw;
            Assert.Equal(3, chains.Length);
            Assert.All(chains, c => Assert.InRange(c.Length, 0, 3));
            Assert.Equal(1.0, weights.Sum(w => (double)w), 5);
            Assert.InRange(blend, 0f, 1f);
            // By hand: m·x + (1 − m)·Σ wᵢ·chainᵢ(x), clipped, with the operations seeded as AugMix seeds them.
            var ops = layer.Operations.Select((op, i) => AugmentationPolicyOps.Create(op, (0f, 0.4f), (0f, 1f), Interpolation.Bilinear, seed + 1 + i)).ToArray();
            var input = x.ToArray();
            var want = input.Select(v => blend * v).ToArray();
            for (int c = 0; c < 3; c++)
            {
                var z = x;
                foreach (var op in chains[c]) z = ops[layer.Operations.ToList().IndexOf(op)].Call(z, training: true);
                var chain = z.ToArray();
                for (int i = 0; i < want.Length; i++) want[i] += (1f - blend) * weights[c] * chain[i];
            }
            for (int i = 0; i < want.Length; i++) Assert.Equal(Math.Clamp(want[i], 0f, 1f), y[i], 4);
        }
        // Chains of depth 0 are the input: the mix is the input itself.
        var still = new AugMix((0f, 1f), chainDepth: 0, seed: 1).Call(x, training: true).ToArray();
        for (int i = 0; i < still.Length; i++) Assert.Equal(x.ToArray()[i], still[i], 5);
        Assert.Equal(x.ToArray(), new AugMix(seed: 1).Call(x, training: false).ToArray());
        Assert.Equal(new AugMix(seed: 5).Call(x, training: true).ToArray(), new AugMix(seed: 5).Call(x, training: true).ToArray());
        // Without all_ops the operations work on any number of channels.
        Assert.Equal(new Shape(2, 5, 4, 1), new AugMix(allOps: false, seed: 6).Call(Tensor.Full(new Shape(2, 5, 4, 1), 9f), training: true).Shape);
        Assert.Equal(new Shape(5, 4, 3), new AugMix(seed: 7).Call(Tensor.Full(new Shape(5, 4, 3), 9f), training: true).Shape);
    }

    [Fact]
    public void GradientsPassThroughTheSmoothOperations()
    {
        var x = GradCheck.Random(5, 2, 4, 5, 3);
        long rand = Enumerable.Range(0, 200).First(s =>
        {
            var layer = new RandAugment((-10f, 10f), 2, 0.3f, seed: s);
            layer.Call(x, training: true);
            return layer.LastOperations.All(s_smooth.Contains) && layer.LastOperations.Any(op => op != "auto_contrast");
        });
        GradCheck.Check(t => new RandAugment((-10f, 10f), 2, 0.3f, seed: rand).Call(t[0], training: true), [x], epsilon: 1e-3f);
        long mix = Enumerable.Range(0, 200).First(s =>
        {
            var layer = new AugMix((-10f, 10f), 2, 2, 0.3f, seed: s);
            layer.Call(x, training: true);
            return layer.LastDraw.Chains.All(c => c.All(s_smooth.Contains)) && layer.LastDraw.Chains.Any(c => c.Length > 0);
        });
        GradCheck.Check(t => new AugMix((-10f, 10f), 2, 2, 0.3f, seed: mix).Call(t[0], training: true), [x], epsilon: 1e-3f);
    }

    [Fact]
    public void AffineAugmentationsSampleTheNearestPixel()
    {
        var x = Tensor.RandomUniform(new Shape(3, 5, 6, 2), 0f, 1f, new RandomGenerator(1));
        var input = x.ToArray();
        Layer[] layers = [new RandomRotation(0.2f, seed: 1) { Interpolation = Interpolation.Nearest },
            new RandomZoom(0.3f, seed: 2) { Interpolation = Interpolation.Nearest }, new RandomShear(0.3f, 0.3f, seed: 3) { Interpolation = Interpolation.Nearest }];
        foreach (var layer in layers)
        {
            Assert.All(layer.Call(x, training: true).ToArray(), v => Assert.Contains(v, input));
            var config = layer.GetConfig();
            Assert.Equal("nearest", config["interpolation"]!.GetValue<string>());
            Assert.Equal(config.ToJsonString(), LayerRegistry.Create(layer.TypeName, config).GetConfig().ToJsonString());
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomRotation(0.2f) { Interpolation = Interpolation.Bicubic });
        Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("RandomRotation", JsonNode.Parse("""{"name":"r","factor":0.1,"interpolation":"area"}""")!.AsObject()));
    }

    [Fact]
    public void ConfigsRoundTripWithKerasKeysAndBadOnesAreRefused()
    {
        Layer[] layers = [new RandAugment(), new RandAugment((0f, 1f), 3, (0.1f, 0.6f), Interpolation.Nearest, seed: 2),
            new AugMix(), new AugMix((-1f, 1f), 2, 4, 0.5f, 0.4f, false, Interpolation.Nearest, seed: 3)];
        foreach (var layer in layers)
        {
            var config = layer.GetConfig();
            Assert.Equal(config.ToJsonString(), LayerRegistry.Create(layer.TypeName, config).GetConfig().ToJsonString());
        }
        var rand = Assert.IsType<RandAugment>(LayerRegistry.Create("RandAugment", JsonNode.Parse("""{"name":"r"}""")!.AsObject()));
        Assert.Equal(((0f, 255f), 2, (0f, 0.5f), Interpolation.Bilinear), (rand.ValueRange, rand.NumOps, rand.Factor, rand.Interpolation));
        var mix = Assert.IsType<AugMix>(LayerRegistry.Create("AugMix",
            JsonNode.Parse("""{"name":"m","value_range":[0,1],"num_chains":4,"chain_depth":2,"factor":0.2,"alpha":0.5,"all_ops":false,"interpolation":"nearest","seed":9}""")!.AsObject()));
        Assert.Equal(((0f, 1f), 4, 2, (0f, 0.2f), 0.5f, false, Interpolation.Nearest, 9L),
            (mix.ValueRange, mix.NumChains, mix.ChainDepth, mix.Factor, mix.Alpha, mix.AllOps, mix.Interpolation, mix.Seed!.Value));
        var defaults = new AugMix();
        Assert.Equal(((0f, 255f), 3, 3, (0f, 0.3f), 1f, true), (defaults.ValueRange, defaults.NumChains, defaults.ChainDepth, defaults.Factor, defaults.Alpha, defaults.AllOps));

        Assert.Contains("numOps", Assert.Throws<ArgumentException>(() => new RandAugment(numOps: -1)).Message);
        Assert.Contains("RandAugment", Assert.Throws<ArgumentException>(() => new RandAugment(factor: 1.5f)).Message);
        Assert.Throws<ArgumentException>(() => new RandAugment(interpolation: Interpolation.Area));
        Assert.Throws<ArgumentException>(() => new RandAugment(valueRange: (1f, 1f)));
        Assert.Contains("numChains", Assert.Throws<ArgumentException>(() => new AugMix(numChains: 0)).Message);
        Assert.Contains("chainDepth", Assert.Throws<ArgumentException>(() => new AugMix(chainDepth: -1)).Message);
        Assert.Contains("alpha", Assert.Throws<ArgumentException>(() => new AugMix(alpha: 0f)).Message);
        Assert.Throws<ArgumentException>(() => new AugMix(factor: -0.1f));
        var rgb = Assert.Throws<ShapeMismatchException>(() => new RandAugment(name: "ra").Call(Tensor.Zeros(2, 4, 4, 1), training: true)).Message;
        Assert.Contains("'ra'", rgb);
        Assert.Contains("(None, 4, 4, 1)", rgb);
        foreach (var (type, json) in new[]
        {
            ("RandAugment", """{"name":"r","num_ops":-1}"""), ("RandAugment", """{"name":"r","factor":2}"""),
            ("RandAugment", """{"name":"r","interpolation":"bicubic"}"""), ("RandAugment", """{"name":"r","data_format":"channels_first"}"""),
            ("AugMix", """{"name":"m","num_chains":0}"""), ("AugMix", """{"name":"m","alpha":0}"""), ("AugMix", """{"name":"m","all_ops":"yes"}"""),
        })
            Assert.Throws<DeepSharpException>(() => LayerRegistry.Create(type, JsonNode.Parse(json)!.AsObject()));
    }

    [Fact]
    public void APipelineTrainsSavesLoadsAndExports()
    {
        RandomGenerator.SetGlobalSeed(3);
        var model = Pipeline();
        var x = Tensor.RandomUniform(new Shape(16, 6, 8, 3), 0f, 1f, new RandomGenerator(3));
        var y = Tensor.RandomUniform(new Shape(16, 2), -1f, 1f, new RandomGenerator(4));
        model.Compile(new Adam(0.01f), "mse");
        var history = model.Fit(x, y, epochs: 5, batchSize: 8, verbose: 0);
        Assert.True(history["loss"][^1] < history["loss"][0], $"loss {history["loss"][0]} → {history["loss"][^1]}");
        string path = _temp.File("policies.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        Assert.Equal(((AugMix)model.Layers[4]).GetConfig().ToJsonString(), ((AugMix)loaded.Layers[4]).GetConfig().ToJsonString());
        OnnxRunner.AssertMatches(model, [x], "RandomGaussianBlur, RandomPerspective, Equalization, RandAugment and AugMix (identities at inference)");
    }
}
