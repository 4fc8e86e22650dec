using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Nn;

/// <summary>The augmentation layers act only while training; Rescaling always.</summary>
public class AugmentationTests
{
    private static Tensor Images(int batch = 8) => GradCheck.Random(3, batch, 4, 5, 2);

    [Fact]
    public void RandomFlipMirrorsSomeImagesAndKeepsTheRest()
    {
        var x = Images();
        var y = new RandomFlip("horizontal", seed: 7).Call(x, training: true);
        int flipped = 0;
        for (int n = 0; n < 8; n++)
        {
            bool same = true, mirrored = true;
            for (int h = 0; h < 4; h++)
                for (int w = 0; w < 5; w++)
                    for (int c = 0; c < 2; c++)
                    {
                        same &= y[n, h, w, c] == x[n, h, w, c];
                        mirrored &= y[n, h, w, c] == x[n, h, 4 - w, c];
                    }
            Assert.True(same || mirrored, $"image {n} is neither kept nor mirrored");
            if (mirrored && !same) flipped++;
        }
        Assert.InRange(flipped, 1, 7);
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("rotation")]
    [InlineData("translation")]
    [InlineData("zoom")]
    public void AugmentationIsTheIdentityAtInferenceAndPassesGradientsWhileTraining(string kind)
    {
        Layer layer = kind switch
        {
            "flip" => new RandomFlip(seed: 2),
            "rotation" => new RandomRotation(0.2f, seed: 2),
            "translation" => new RandomTranslation(0.3f, 0.3f, seed: 2),
            _ => new RandomZoom(0.4f, seed: 2),
        };
        var x = Images();
        Assert.Same(x, layer.Call(x));
        var y = layer.Call(x, training: true);
        Assert.Equal(x.Shape, y.Shape);
        Assert.NotEqual(x.ToArray(), y.ToArray());

        x.RequiresGrad = true;
        Ops.Sum(layer.Call(x, training: true)).Backward();
        Assert.Contains(x.Grad!.ToArray(), g => g != 0f);
    }

    [Fact]
    public void RescalingIsAlwaysActive()
    {
        var x = Tensor.FromArray([0f, 255f, 51f], 1, 3);
        var layer = new Rescaling(1f / 255, -1f);
        Assert.Equal(layer.Call(x).ToArray(), layer.Call(x, training: true).ToArray());
        Assert.Equal(0f, layer.Call(x).ToArray()[1], 6);
    }

    [Fact]
    public void SeededAugmentationRepeats()
    {
        var x = Images();
        var a = new RandomRotation(0.25f, seed: 11).Call(x, training: true).ToArray();
        var b = new RandomRotation(0.25f, seed: 11).Call(x, training: true).ToArray();
        Assert.Equal(a, b);
    }
}
