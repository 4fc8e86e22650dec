using DeepSharp.Nn;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Optimizers;

/// <summary>
/// What Adamax, Adadelta, Lion and Ftrl promise beyond their formulas (those are in KerasFloat32Tests and
/// the table of ClippingAndDecayTests): Keras's defaults and argument checks, Lion's fixed step, Ftrl's
/// exact zeros, and sharded updates with the bits of whole ones.
/// </summary>
public class KerasExtraOptimizerTests
{
    [Fact]
    public void DefaultsAreKeras3s()
    {
        var adamax = new Adamax();
        Assert.Equal((1e-3f, 0.9f, 0.999f, 1e-7f), (adamax.LearningRate, adamax.Beta1, adamax.Beta2, adamax.Epsilon));
        var adadelta = new Adadelta();
        Assert.Equal((1e-3f, 0.95f, 1e-7f), (adadelta.LearningRate, adadelta.Rho, adadelta.Epsilon));
        var lion = new Lion();
        Assert.Equal((1e-3f, 0.9f, 0.99f), (lion.LearningRate, lion.Beta1, lion.Beta2));
        var ftrl = new Ftrl();
        Assert.Equal((1e-3f, -0.5f, 0.1f), (ftrl.LearningRate, ftrl.LearningRatePower, ftrl.InitialAccumulatorValue));
        Assert.Equal((0f, 0f, 0f, 0f), (ftrl.L1RegularizationStrength, ftrl.L2RegularizationStrength, ftrl.L2ShrinkageRegularizationStrength, ftrl.Beta));
        Assert.Equal(["adamax", "adadelta", "lion", "ftrl"], new Optimizer[] { adamax, adadelta, lion, ftrl }.Select(o => o.Name));
    }

    public static TheoryData<string, string> BadArguments => new()
    {
        { "adamax-beta1", "beta1" }, { "adamax-epsilon", "epsilon" }, { "adadelta-rho", "rho" }, { "adadelta-epsilon", "epsilon" },
        { "lion-beta1-zero", "beta1" }, { "lion-beta2", "beta2" }, { "ftrl-power", "learningRatePower" }, { "ftrl-accumulator", "initialAccumulatorValue" },
        { "ftrl-l1", "l1RegularizationStrength" }, { "ftrl-l2", "l2RegularizationStrength" }, { "ftrl-shrinkage", "l2ShrinkageRegularizationStrength" }, { "ftrl-beta", "beta" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void BadArgumentsAreRefusedByName(string kind, string parameter)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => kind switch
        {
            "adamax-beta1" => new Adamax(beta1: 1f),
            "adamax-epsilon" => new Adamax(epsilon: -1e-7f),
            "adadelta-rho" => new Adadelta(rho: float.NaN),
            "adadelta-epsilon" => (Optimizer)new Adadelta(epsilon: -1f),
            "lion-beta1-zero" => new Lion(beta1: 0f),
            "lion-beta2" => new Lion(beta2: 1.5f),
            "ftrl-power" => new Ftrl(learningRatePower: 0.5f),
            "ftrl-accumulator" => new Ftrl(initialAccumulatorValue: -0.1f),
            "ftrl-l1" => new Ftrl(l1RegularizationStrength: -1f),
            "ftrl-l2" => new Ftrl(l2RegularizationStrength: float.PositiveInfinity),
            "ftrl-shrinkage" => new Ftrl(l2ShrinkageRegularizationStrength: -1f),
            _ => new Ftrl(beta: float.NaN),
        });
        Assert.Equal(parameter, e.ParamName);
    }

    [Fact]
    public void LionMovesEveryWeightByExactlyTheRate()
    {
        var p = OptimizerTests.OneWeight([1f, -2f, 0.5f, 0f]);
        var lion = new Lion(0.25f);
        p.Value.Grad = Tensor.FromArray([1e-9f, -3f, 0f, 100f], 1, 4);
        lion.Apply([p]);
        Assert.Equal([0.75f, -1.75f, 0.5f, -0.25f], p.Value.ToArray()); // sign(0) = 0: no move
        p.Value.Grad = Tensor.FromArray([float.NaN, 0f, 0f, 0f], 1, 4);
        lion.Apply([p]);
        Assert.True(float.IsNaN(p.Value.Span[0]));                         // a NaN gradient is not hidden
    }

    [Fact]
    public void FtrlsL1SetsSmallWeightsToExactlyZero()
    {
        var p = OptimizerTests.OneWeight([0.3f, -0.3f, 0.3f]);
        var ftrl = new Ftrl(0.5f, l1RegularizationStrength: 0.1f);
        for (int step = 0; step < 5; step++)
        {
            p.Value.Grad = Tensor.FromArray([1e-3f, 0.5f, -0.5f], 1, 3);   // the first weight's gradient stays under l1
            ftrl.Apply([p]);
        }
        Assert.Equal(0f, p.Value.Span[0]);
        Assert.True(p.Value.Span[1] < 0f && p.Value.Span[2] > 0f);
    }

    public static TheoryData<string> Names => new() { "adamax", "adadelta", "lion", "ftrl" };

    private static Optimizer Make(string name) => name switch
    {
        "adamax" => new Adamax(0.01f) { WeightDecay = 0.1f },
        "adadelta" => new Adadelta(1f, epsilon: 1e-4f),
        "lion" => new Lion(0.01f) { ClipValue = 0.4f },
        _ => new Ftrl(0.1f, l1RegularizationStrength: 0.02f, l2ShrinkageRegularizationStrength: 0.01f),
    };

    /// <summary>Two "ranks", each updating its slice with its own optimizer, end with the bits of one optimizer updating everything.</summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void ShardedUpdatesHaveTheBitsOfWholeOnes(string name)
    {
        float[] start = [.. Enumerable.Range(0, 11).Select(i => MathF.Sin(i) * 0.7f)];
        Parameter whole = OptimizerTests.OneWeight(start), rank0 = OptimizerTests.OneWeight(start), rank1 = OptimizerTests.OneWeight(start);
        Optimizer o = Make(name), o0 = Make(name), o1 = Make(name);
        for (int step = 0; step < 4; step++)
        {
            float[] g = [.. Enumerable.Range(0, 11).Select(i => MathF.Cos(i * (step + 1)) * (step + 0.5f))];
            foreach (var p in new[] { whole, rank0, rank1 }) p.Value.Grad = Tensor.FromArray((float[])g.Clone(), 1, 11);
            o.Apply([whole]);
            o0.ApplySharded([rank0], [(0, 6)]);
            o1.ApplySharded([rank1], [(6, 5)]);
            // The gather: each rank's slice to the other.
            rank1.Value.Span[6..].CopyTo(rank0.Value.Span[6..]);
            rank0.Value.Span[..6].CopyTo(rank1.Value.Span[..6]);
            Assert.Equal(whole.Value.ToArray(), rank0.Value.ToArray());
            Assert.Equal(whole.Value.ToArray(), rank1.Value.ToArray());
        }
        int slots = o.GetState().Tensors.Count;
        Assert.True(slots > 0);
        Assert.Equal((6L * slots, 5L * slots), (o0.StateFloats, o1.StateFloats)); // each rank keeps its slice's state only
    }
}
