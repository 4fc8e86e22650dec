using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using Tensor = DeepSharp.Tensors.Tensor;

namespace DeepSharp.Tests.Nn;

/// <summary>Merge layers pass masks on as Keras's: elementwise merges AND them, Concatenate joins them, Dot drops them.</summary>
public class MergeMaskTests
{
    private static readonly Tensor A = Tensor.FromArray([1f, 1f, 0f, 1f, 0f, 0f], 2, 3);
    private static readonly Tensor B = Tensor.FromArray([1, 0, 1, 1, 1, 0], 2, 3);

    [Fact]
    public void ElementwiseMergesAndTheMasksGiven()
    {
        var x = new[] { GradCheck.Random(1, 2, 3, 4), GradCheck.Random(2, 2, 3, 4) };
        foreach (MergeLayer layer in new MergeLayer[] { new Add(), new Subtract(), new Multiply(), new Average(), new Maximum(), new Minimum() })
        {
            var (y, mask) = layer.CallMasked(x, [A, B]);
            Assert.Equal(layer.Call(x).ToArray(), y.ToArray());
            Assert.Equal([1f, 0f, 0f, 1f, 0f, 0f], mask!.ToArray());
            Assert.Equal(A.ToArray(), layer.ComputeMask(x, [A, null])!.ToArray());
            Assert.Null(layer.ComputeMask(x, [null, null]));
        }
        var e = Assert.Throws<ShapeMismatchException>(() => new Add(name: "sum").ComputeMask(x, [A, Tensor.Ones(2, 4)]));
        Assert.Contains("'sum' (Add) merges masks of one shape", e.Message);
    }

    [Fact]
    public void ConcatenateFollowsKerasMaskRule()
    {
        var x = new[] { GradCheck.Random(1, 2, 3, 4), GradCheck.Random(2, 2, 3, 2) };
        var features = new Concatenate();
        Assert.Equal([1f, 1f, 1f, 1f, 1f, 0f], features.ComputeMask(x, [A, B])!.ToArray());     // any over the joined features
        Assert.Equal([1f, 1f, 1f, 1f, 1f, 1f], features.ComputeMask(x, [A, null])!.ToArray());  // an unmasked input keeps every step
        Assert.Null(features.ComputeMask(x, [null, null]));

        var inTime = new[] { GradCheck.Random(3, 2, 3, 4), GradCheck.Random(4, 2, 2, 4) };
        var time = new Concatenate(axis: 1);
        var shorter = Tensor.FromArray([0f, 1f, 1f, 0f], 2, 2);
        Assert.Equal([1f, 1f, 0f, 0f, 1f, 1f, 0f, 0f, 1f, 0f], time.ComputeMask(inTime, [A, shorter])!.ToArray());
        Assert.Equal([1f, 1f, 0f, 1f, 1f, 1f, 0f, 0f, 1f, 1f], time.ComputeMask(inTime, [A, null])!.ToArray());
        var (y, mask) = time.CallMasked(inTime, [A, shorter]);
        Assert.Equal(new Shape(2, 5, 4), y.Shape);
        Assert.Equal(new Shape(2, 5), mask!.Shape);
    }

    [Fact]
    public void DotDropsMasks()
    {
        var x = new[] { GradCheck.Random(1, 2, 3, 4), GradCheck.Random(2, 2, 3, 4) };
        Assert.Null(new Dot(axes: 2).CallMasked(x, [A, B]).Mask);
    }

    [Fact]
    public void AFunctionalConcatenationInTimeCarriesBothMasksToPooling()
    {
        RandomGenerator.SetGlobalSeed(2);
        var left = Model.Input([3], dtype: DType.Int32);
        var right = Model.Input([3], dtype: DType.Int32);
        var embedding = new Embedding(9, 4, maskZero: true);
        var joined = new Concatenate(axis: 1).Call(embedding.Call(left), embedding.Call(right));
        var model = new Functional([left, right], new GlobalAveragePooling1D().Call(joined));
        var l = AttentionMaskPropagationTests.Tokens([[1, 2, 0], [0, 3, 0]]);
        var r = AttentionMaskPropagationTests.Tokens([[0, 4, 0], [5, 0, 0]]);
        var y = model.Call([l, r])[0];
        var table = embedding.Parameters[0].Value;
        // Row 0 averages tokens 1, 2, 4; row 1 averages 3, 5.
        int[][] kept = [[1, 2, 4], [3, 5]];
        for (int b = 0; b < 2; b++)
            for (int f = 0; f < 4; f++)
            {
                float mean = kept[b].Sum(t => table[t, f]) / kept[b].Length;
                Assert.True(Math.Abs(mean - y[b, f]) < 1e-5f, $"row {b} feature {f}: {y[b, f]} vs {mean}");
            }
    }
}
