using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// Keras's image preprocessing and augmentation layers take one image (height, width, channels) without its batch
/// axis: for every family (affine augmentations, colour augmentations on a value range, the other random image layers,
/// the deterministic resizing, cropping and contrast layers) one image gives the result of a batch of one with the
/// same seed, while training and at inference, and gradients reach it.
/// </summary>
public class SingleImageLayerTests
{
    public static TheoryData<string> Layers =>
    [
        // Affine augmentations (ImageAugmentation).
        "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom", "RandomShear",
        // Colour augmentations on a value range (ValueRangeAugmentation) and the jitter that chains them.
        "RandomBrightness", "RandomContrast", "RandomHue", "RandomSaturation", "RandomColorDegeneration", "RandomSharpness", "RandomInvert",
        "RandomColorJitter",
        // The other random image layers (RandomImageLayer).
        "RandomCrop", "RandomErasing", "RandomGrayscale", "RandomPosterization", "Solarization",
        // Deterministic image layers.
        "Resizing", "CenterCrop", "AutoContrast",
    ];

    private static Layer Make(string type) => type switch
    {
        "RandomFlip" => new RandomFlip(seed: 1),
        "RandomRotation" => new RandomRotation(0.2f, seed: 2),
        "RandomTranslation" => new RandomTranslation(0.2f, 0.3f, FillMode.Constant, seed: 3),
        "RandomZoom" => new RandomZoom(0.3f, seed: 4),
        "RandomShear" => new RandomShear(0.3f, 0.2f, seed: 5),
        "RandomBrightness" => new RandomBrightness(0.3f, seed: 6),
        "RandomContrast" => new RandomContrast(0.5f, seed: 7),
        "RandomHue" => new RandomHue(0.4f, seed: 8),
        "RandomSaturation" => new RandomSaturation(0.8f, seed: 9),
        "RandomColorDegeneration" => new RandomColorDegeneration(0.7f, seed: 10),
        "RandomSharpness" => new RandomSharpness(0.9f, seed: 11),
        "RandomInvert" => new RandomInvert(1f, seed: 12),
        "RandomColorJitter" => new RandomColorJitter(brightnessFactor: (-0.2f, 0.2f), contrastFactor: (0.2f, 0.2f), seed: 13),
        "RandomCrop" => new RandomCrop(4, 5, seed: 14),
        "RandomErasing" => new RandomErasing(1f, seed: 15),
        "RandomGrayscale" => new RandomGrayscale(1f, seed: 16),
        "RandomPosterization" => new RandomPosterization(4, seed: 17),
        "Solarization" => new Solarization((0f, 0.5f), (0f, 0.5f), seed: 18),
        "Resizing" => new Resizing(3, 9),
        "CenterCrop" => new CenterCrop(4, 4),
        "AutoContrast" => new AutoContrast(),
        _ => throw new ArgumentException(type),
    };

    private static Tensor Image() => Tensor.RandomUniform(new Shape(6, 7, 3), 0f, 255f, new RandomGenerator(21));

    [Theory]
    [MemberData(nameof(Layers))]
    public void OneImageIsABatchOfOne(string type)
    {
        foreach (bool training in new[] { true, false })
        {
            var image = Image();
            var single = Make(type).Call(image, training);
            var batch = Make(type).Call(Tensor.FromArray(image.ToArray(), 1, 6, 7, 3), training);
            Assert.Equal(batch.Shape.WithoutBatch(), single.Shape);
            Assert.Equal(batch.ToArray(), single.ToArray());
        }
        // A layer that always changes the image while training: the comparison above is not one of two unchanged copies.
        if (type == "RandomGrayscale") Assert.NotEqual(Image().ToArray(), Make(type).Call(Image(), training: true).ToArray());
    }

    [Fact]
    public void SizesFollowTheLayerAndGradientsReachTheImage()
    {
        Assert.Equal(new Shape(3, 9, 3), new Resizing(3, 9).Call(Image()).Shape);
        Assert.Equal(new Shape(4, 5, 3), new RandomCrop(4, 5, seed: 1).Call(Image(), training: true).Shape);
        Assert.Equal(new Shape(4, 4, 3), new CenterCrop(4, 4).Call(Image()).Shape);
        GradCheck.Check(t => new RandomRotation(0.2f, seed: 3).Call(t[0], training: true), [GradCheck.Random(4, 5, 6, 3)]);
        GradCheck.Check(t => new Resizing(3, 4).Call(t[0]), [GradCheck.Random(5, 5, 6, 2)]);
        GradCheck.Check(t => new RandomContrast(0.5f, valueRange: (-1f, 1f), seed: 7).Call(t[0], training: true), [GradCheck.Random(6, 4, 3, 3)]);
    }

    [Fact]
    public void OtherRanksStillNameTheLayerAndTheShape()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => new RandomFlip(name: "flip").Call(Tensor.Zeros(new Shape(6, 7))));
        Assert.Contains("'flip'", e.Message);
        e = Assert.Throws<ShapeMismatchException>(() => new Resizing(3, 3, name: "resize").Call(Tensor.Zeros(new Shape(2, 6, 7, 3, 1))));
        Assert.Contains("'resize'", e.Message);
    }
}
