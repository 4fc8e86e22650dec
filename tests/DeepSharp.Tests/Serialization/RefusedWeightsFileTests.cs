using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Serialization;

/// <summary>
/// A weights or model file that is refused leaves the model exactly as it was: LoadWeights checks every tensor of the
/// file (names, dtypes, shapes, finite values, each layer's own rule such as a variance ≥ 0) before it copies any.
/// </summary>
public sealed class RefusedWeightsFileTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Normalization, Conv2D, BatchNormalization, Dense and Embedding-free layers of several kinds, seeded.</summary>
    private static Sequential Build(int seed)
    {
        RandomGenerator.SetGlobalSeed(seed);
        var normalization = new Normalization(inputShape: [5, 5, 2]);
        var model = new Sequential(normalization, new Conv2D(3, 3), new BatchNormalization(), new Flatten(), new Dense(4), new LayerNormalization(), new Dense(2));
        normalization.Adapt(Tensor.RandomUniform(new Shape(8, 5, 5, 2), -1f, 3f, new RandomGenerator(seed)));
        // Moving statistics away from their initial values, as after training.
        foreach (var p in model.Parameters)
            if (!p.Trainable && p.Path.Contains("moving", StringComparison.Ordinal))
                for (int i = 0; i < p.Value.Size; i++) p.Value.Span[i] = 0.5f + 0.1f * i + seed;
        return model;
    }

    private static float[][] Snapshot(Model model) => [.. model.Parameters.Select(p => p.Value.ToArray())];

    private static void AssertUnchanged(float[][] before, Model model)
    {
        var after = Snapshot(model);
        Assert.Equal(before.Length, after.Length);
        for (int i = 0; i < before.Length; i++)
            Assert.True(before[i].AsSpan().SequenceEqual(after[i]), $"weight '{model.Parameters.ElementAt(i).Path}' changed"); // bits, NaN included
    }

    private static Tensor Changed(Tensor t, int at, float value)
    {
        var copy = t.Clone();
        copy.Span[at] = value;
        return copy;
    }

    /// <summary>Puts <paramref name="path"/>'s values with one changed into the file.</summary>
    private static void Replace(SafetensorsFile file, Model source, string path, int at, float value) =>
        file.Add(path, Changed(source.Parameters.Single(p => p.Path == path).Value, at, value));

    public static TheoryData<string, string> Hostile => new()
    {
        { "negative-moving-variance", "(BatchNormalization): variance[2] is -0.25; a variance is a finite number ≥ 0" },
        { "negative-normalization-variance", "'normalization' (Normalization): variance[1] is -1" },
        { "nan-last-kernel", "holds NaN at index 3" },
        { "third-tensor-shape", "file (1, 2)" },
        { "third-tensor-dtype", "file has I32" },
        { "extra-tensor", "dense_9/bias: in the file" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void ARefusedWeightsFileLeavesEveryWeightBitForBit(string kind, string expected)
    {
        var target = Build(1);
        var source = Build(2);
        string path = _temp.File(kind + ".safetensors");
        source.SaveWeights(path);
        var file = SafetensorsFile.Load(path);
        var third = source.Parameters.ElementAt(2);
        var lastKernel = source.Parameters.Last(p => p.Path.EndsWith("/kernel", StringComparison.Ordinal));
        switch (kind)
        {
            case "negative-moving-variance": Replace(file, source, "batch_normalization/moving_variance", 2, -0.25f); break;
            case "negative-normalization-variance": Replace(file, source, "normalization/variance", 1, -1f); break;
            case "nan-last-kernel": file.Add(lastKernel.Path, Changed(lastKernel.Value, 3, float.NaN)); break;
            case "third-tensor-shape": file.Add(third.Path, Tensor.Zeros(1, 2)); break;
            case "third-tensor-dtype": file.Add(third.Path, Tensor.FromArray(new int[third.Value.Size], [.. third.Shape.Dims.ToArray()])); break;
            default: file.Add("dense_9/bias", Tensor.Zeros(3)); break;
        }
        FileChecksum.Sign(file); // a hostile file can carry a valid checksum
        file.Save(path);

        var before = Snapshot(target);
        var x = Tensor.RandomUniform(new Shape(3, 5, 5, 2), 0f, 1f, new RandomGenerator(7));
        float[] predicted = target.Predict(x).ToArray();
        var e = Assert.ThrowsAny<DeepSharpException>(() => target.LoadWeights(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
        AssertUnchanged(before, target);
        Assert.Equal(predicted, target.Predict(x).ToArray());

        // The same damage in a model file: Load refuses it too.
        string modelPath = _temp.File(kind + "-model.safetensors");
        source.Save(modelPath);
        var modelFile = SafetensorsFile.Load(modelPath);
        foreach (var entry in file.Unordered) modelFile.Add(entry);
        FileChecksum.Sign(modelFile);
        modelFile.Save(modelPath);
        var refused = Assert.ThrowsAny<DeepSharpException>(() => Model.Load(modelPath));
        Assert.Contains(modelPath, refused.Message);
        if (!kind.StartsWith("third-tensor", StringComparison.Ordinal)) Assert.Contains(expected, refused.Message); // a smaller tensor is refused sooner: too few elements for the config's weights
    }

    [Fact]
    public void TheSameFileUndamagedLoads()
    {
        var target = Build(1);
        var source = Build(2);
        string path = _temp.File("good.safetensors");
        source.SaveWeights(path);
        Assert.Empty(target.LoadWeights(path));
        AssertUnchanged(Snapshot(source), target); // the test above could fail: an accepted file does change every weight
    }

    [Fact]
    public void UnsortedDiscretizationBoundariesLeaveTheLayerAsItWas()
    {
        Sequential Make(float shift)
        {
            var layer = new Discretization(numBins: 4, inputShape: [3]);
            var model = new Sequential(layer);
            layer.Adapt(Tensor.FromArray([.. Enumerable.Range(0, 12).Select(i => i + shift)], 4, 3));
            return model;
        }
        var target = Make(0f);
        string path = _temp.File("bins.safetensors");
        var source = Make(5f);
        source.SaveWeights(path);
        var file = SafetensorsFile.Load(path);
        var boundaries = source.Parameters.First();
        file.Add(boundaries.Path, Tensor.FromArray([3f, 1f, 2f], 3));
        FileChecksum.Sign(file);
        file.Save(path);
        var before = Snapshot(target);
        var e = Assert.Throws<DataFormatException>(() => target.LoadWeights(path));
        Assert.Contains("(Discretization): bin boundaries are not sorted", e.Message);
        AssertUnchanged(before, target);
    }
}
